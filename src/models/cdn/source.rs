//! Where a run's catalogue requests come from, and where they can be
//! recorded. A [`RequestSource`] is either the synthetic workload (Poisson
//! arrivals per region over the Zipf catalogue, thinned for the diurnal
//! cycle) or a recorded trace streamed from the reader the runner opened;
//! both hand the request path the same [`NewRequest`], so everything after
//! arrival is the same model. The [`Recorder`] writes every request a run
//! sends (`edgesim run --record-trace`) to the sink the runner created.
//!
//! A trace's timestamps are its arrivals: the request reaches its PoP at
//! `(trace time - origin) / speed`. Its object ids and sizes are the
//! objects (content classes still come from the catalogue's class table,
//! by id). A request's client is its region column and client column when
//! the trace has them; otherwise a hash (of the request's position, or of
//! its object) picks a region by population, and a client prefix in it.
//! The trace is read ahead in batches, so memory stays constant however
//! long it is.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::{Rng, RngExt};

use super::model::{CdnModel, Event, NONE, Source};
#[cfg(test)]
use super::params::OptionValue;
use super::params::{CdnParams, HashBy, Spread, TimeOrigin};
use super::serve::{NewRequest, below, below_word};
use super::setup::PreparedTrace;
use crate::cache::Prefetch;
use crate::engine::rng::{mix2, splitmix64};
use crate::engine::{Scheduler, SimRng, SimTime, Streams};
use crate::workload::arrivals::PoissonStream;
use crate::workload::trace::labels::{Labels, slug};
use crate::workload::trace::scan::TraceSummary;
use crate::workload::trace::{
    NO_REGION, Request, TaggedRead, TaggedRequest, TaggedWrite, TraceFormat,
};
use crate::world::{RegionId, World};

/// Requests of a region drawn before they arrive (see `SyntheticSource::ahead`).
const AHEAD: usize = 3;
/// Trace requests between the steps of warming a request's lookup.
const TRACE_STEP: usize = 4;
/// Requests read from a trace at a time.
const BATCH: usize = 4_096;
/// The most requests sharing one timestamp that are spread as one group; a
/// larger group is spread in parts (and its later parts pile up at the end
/// of the interval). Bounds the read-ahead at about 48 MB.
const GROUP_MAX: usize = 1 << 20;
/// Domain constants of the client hashes.
const REGION_SALT: u64 = 0x7265_6769_6f6e;
const CLIENT_SALT: u64 = 0x636c_6965_6e74;

/// The catalogue requests of a run.
pub enum RequestSource {
    Synthetic(SyntheticSource),
    Trace(Box<TraceSource>),
}

/// Poisson candidates per region at the diurnal peak rate.
pub struct SyntheticSource {
    /// Per region; none for regions that send no catalogue requests.
    pub arrivals: Vec<Option<PoissonStream>>,
    pub arrival_rngs: Vec<SimRng>,
    pub request_rngs: Vec<SimRng>,
    /// Per region, the (object, client) of its next kept requests, drawn
    /// ahead from `request_rngs` (each region's draws come in the same
    /// order, so they are the same draws) to warm the CPU caches for their
    /// lookups in steps, one step per arrival of the region: the last
    /// drawn's index slot, the one before's entry, the next's neighbours.
    pub ahead: Vec<[Drawn; AHEAD]>,
    /// Per region, the random words of the draw after those in `ahead`,
    /// taken from `request_rngs` one arrival before that draw (in the
    /// stream's order, so the draws are the same), so that the line of the
    /// Zipf column they pick can be warmed in between.
    pub words: Vec<Words>,
}

/// The three random words of one request draw: the Zipf column (picked
/// by the first), the Zipf coin and the client.
#[derive(Copy, Clone, Debug, Default)]
pub struct Words {
    pub column: u32,
    pub coin: u64,
    pub client: u64,
}

impl Words {
    /// Takes a draw's words from `rng` and warms the column's line.
    #[inline]
    fn take(rng: &mut SimRng, catalogue: &crate::workload::catalogue::Catalogue) -> Words {
        let column = catalogue.column(rng.next_u64());
        catalogue.prefetch_column(column);
        Words {
            column: column as u32,
            coin: rng.next_u64(),
            client: rng.next_u64(),
        }
    }
}

/// A request drawn before it arrives.
#[derive(Copy, Clone, Debug, Default)]
pub struct Drawn {
    pub object: u64,
    pub client: u32,
    /// The cache server it would reach when drawn (`NONE`: not known).
    pub server: u32,
}

/// The request source `p` asks for: `trace` (the prepared trace workload
/// with the reader opened for this run) or the synthetic workload.
pub fn request_source(
    p: &CdnParams,
    world: &World,
    streams: &Streams,
    client_regions: &[u16],
    trace: Option<(&PreparedTrace, Option<Box<dyn TaggedRead>>)>,
) -> Result<RequestSource, String> {
    if let Some((prepared, reader)) = trace {
        let reader = reader.ok_or("the trace of this run's workload was not opened")?;
        let trace = TraceSource::new(p, world, client_regions, prepared, reader);
        return Ok(RequestSource::Trace(Box::new(trace)));
    }
    let peak = p.diurnal.peak_factor();
    let total: f64 = client_regions
        .iter()
        .map(|&r| world.region_share(RegionId(r as u32)))
        .sum();
    let arrivals = world
        .regions()
        .map(|r| {
            let rate = p.request_rate.0 * world.region_share(r) / total * peak;
            (rate > 0.0 && client_regions.contains(&(r.0 as u16))).then(|| PoissonStream::new(rate))
        })
        .collect();
    let regions = world.region_count();
    Ok(RequestSource::Synthetic(SyntheticSource {
        arrivals,
        arrival_rngs: (0..regions)
            .map(|r| streams.stream("cdn/arrivals", r as u64))
            .collect(),
        request_rngs: (0..regions)
            .map(|r| streams.stream("cdn/requests", r as u64))
            .collect(),
        ahead: vec![[Drawn::default(); AHEAD]; regions],
        words: vec![Words::default(); regions],
    }))
}

/// The format of `p`'s trace, with the world's regions as the names its
/// region column may hold; or the key and complaint of a bad option.
pub fn trace_format(p: &CdnParams, world: &World) -> Result<TraceFormat, (String, String)> {
    let w = &p.workload;
    let path = Path::new(w.trace.as_deref().unwrap_or_default());
    let mut format = w
        .trace_options()
        .format(path)
        .map_err(|e| (format!("workload.{}", e.key), e.message))?;
    if let TraceFormat::Text(options) = &mut format {
        let names: Vec<String> = world
            .spec()
            .regions
            .iter()
            .map(|r| r.name.clone())
            .collect();
        options.region_labels = Some(Arc::new(Labels::new(&names)));
    }
    Ok(format)
}

/// Picks a request's client (region, prefix) from its columns or a hash.
pub struct ClientMap {
    hash_by: HashBy,
    /// Cumulative population shares of the regions a hash may pick.
    cumulative: Vec<f64>,
    regions: Vec<u16>,
    clients_per_region: u32,
}

impl ClientMap {
    fn new(p: &CdnParams, world: &World, regions: &[u16]) -> ClientMap {
        let total: f64 = regions
            .iter()
            .map(|&r| world.region_share(RegionId(r as u32)))
            .sum();
        let mut running = 0.0;
        let cumulative = regions
            .iter()
            .map(|&r| {
                running += world.region_share(RegionId(r as u32)) / total;
                running
            })
            .collect();
        ClientMap {
            hash_by: p.workload.hash_by,
            cumulative,
            regions: regions.to_vec(),
            clients_per_region: p.clients_per_region,
        }
    }

    /// A region by population from a hash.
    fn region(&self, hash: u64) -> u16 {
        let u = (hash >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        let i = self.cumulative.partition_point(|&c| c <= u);
        self.regions[i.min(self.regions.len() - 1)]
    }

    /// The (region, client prefix) of trace request number `index`.
    fn assign(&self, r: &TaggedRequest, index: u64) -> (u16, u32) {
        let cpr = self.clients_per_region as u64;
        let key = match (r.client, self.hash_by) {
            (Some(client), _) => client,
            (None, HashBy::Request) => index,
            (None, HashBy::Object) => r.request.id,
        };
        let region = if r.region != NO_REGION {
            r.region
        } else {
            self.region(splitmix64(mix2(key, REGION_SALT)))
        };
        // A client column's number is its prefix (mod the prefixes per region).
        let client = match r.client {
            Some(client) => client % cpr,
            None => splitmix64(mix2(key, CLIENT_SALT)) % cpr,
        };
        (region, client as u32)
    }
}

/// Requests sharing one timestamp, being sent.
#[derive(Copy, Clone, Debug, Default)]
struct Group {
    time: SimTime,
    size: u64,
    sent: u64,
}

/// The next trace request, ready to send.
#[derive(Copy, Clone, Debug)]
struct Pending {
    object: u64,
    size: u64,
    region: u16,
    client: u32,
}

/// A trace streamed into a run.
pub struct TraceSource {
    reader: Box<dyn TaggedRead>,
    /// The trace's file, as read errors name it.
    path: PathBuf,
    /// Read and not yet sent, in trace order.
    ahead: VecDeque<TaggedRequest>,
    scratch: Vec<TaggedRequest>,
    ended: bool,
    group: Group,
    /// Interval a group of equal timestamps is spread over (0: none).
    spread_ns: u64,
    origin_ns: u64,
    speed: f64,
    /// The latest trace time read, and the latest arrival handed out.
    latest_ns: u64,
    last: SimTime,
    clients: ClientMap,
    pending: Option<Pending>,
    /// Requests taken from the trace, sent, and those whose time went backwards.
    pub taken: u64,
    pub sent: u64,
    pub reordered: u64,
    /// A read error during the run (the trace changed since it was checked).
    pub error: Option<String>,
}

impl TraceSource {
    /// Streams `reader`, the trace `prepared` describes, from its start.
    fn new(
        p: &CdnParams,
        world: &World,
        regions: &[u16],
        prepared: &PreparedTrace,
        reader: Box<dyn TaggedRead>,
    ) -> TraceSource {
        let w = &p.workload;
        let (file, summary) = (&prepared.file, &prepared.summary);
        TraceSource {
            reader,
            path: file.path.clone(),
            ahead: VecDeque::with_capacity(BATCH),
            scratch: Vec::with_capacity(BATCH),
            ended: false,
            group: Group::default(),
            spread_ns: spread_ns(w.spread, summary, &file.format),
            origin_ns: match w.time_origin {
                TimeOrigin::First => summary.first.as_nanos(),
                TimeOrigin::Zero => 0,
            },
            speed: w.speed,
            latest_ns: 0,
            last: SimTime::ZERO,
            clients: ClientMap::new(p, world, regions),
            pending: None,
            taken: 0,
            sent: 0,
            reordered: 0,
            error: None,
        }
    }

    /// Reads the next batch; false at the end (or on an error, kept).
    fn fill(&mut self) -> bool {
        if self.ended {
            return false;
        }
        match self.reader.read_tagged(&mut self.scratch, BATCH) {
            Ok(n) => {
                self.ended = n < BATCH;
                self.ahead.extend(self.scratch.drain(..));
                n > 0
            }
            Err(e) => {
                self.error = Some(format!("{} (trace {})", e, self.path.display()));
                self.ended = true;
                false
            }
        }
    }

    /// Starts the group of the front request's timestamp: how many share it
    /// (reading ahead as far as needed, up to `GROUP_MAX`).
    fn start_group(&mut self) -> bool {
        if self.ahead.is_empty() && !self.fill() {
            return false;
        }
        let time = self.ahead[0].request.time;
        let mut size = 1;
        if self.spread_ns > 0 {
            loop {
                while size < self.ahead.len() && self.ahead[size].request.time == time {
                    size += 1;
                }
                if size < self.ahead.len() || size >= GROUP_MAX || !self.fill() {
                    break;
                }
            }
        }
        self.group = Group {
            time,
            size: size.min(GROUP_MAX) as u64,
            sent: 0,
        };
        true
    }

    /// The (object, region, client) of the request `k` places behind the
    /// one about to be sent, if it has been read.
    fn peek(&self, k: usize) -> Option<(u64, u16, u32)> {
        let r = self.ahead.get(k)?;
        let (region, client) = self.clients.assign(r, self.taken + k as u64);
        Some((r.request.id, region, client))
    }

    /// The next request and its arrival in simulated time.
    fn advance(&mut self) -> Option<(SimTime, Pending)> {
        if self.group.sent == self.group.size && !self.start_group() {
            return None;
        }
        let r = self.ahead.pop_front()?;
        let offset =
            (self.spread_ns as u128 * self.group.sent as u128 / self.group.size as u128) as u64;
        self.group.sent += 1;
        let trace_ns = self.group.time.as_nanos().saturating_add(offset);
        if trace_ns < self.latest_ns {
            self.reordered += 1;
        }
        self.latest_ns = self.latest_ns.max(trace_ns);
        let mut since = trace_ns.saturating_sub(self.origin_ns);
        if self.speed != 1.0 {
            since = (since as f64 / self.speed) as u64;
        }
        // An earlier stamp arrives with the latest one: arrivals never go back.
        let at = SimTime::from_nanos(since).max(self.last);
        self.last = at;
        let (region, client) = self.clients.assign(&r, self.taken);
        self.taken += 1;
        let pending = Pending {
            object: r.request.id,
            size: r.request.size,
            region,
            client,
        };
        Some((at, pending))
    }

    /// Whether every request of the trace has been sent.
    pub fn exhausted(&self) -> bool {
        self.pending.is_none()
    }

    /// Takes the next request into `pending`; its arrival time, if any.
    fn queue_next(&mut self) -> Option<SimTime> {
        let (at, next) = self.advance()?;
        self.pending = Some(next);
        Some(at)
    }
}

/// The spread interval in nanoseconds: `auto` is one time unit when every
/// timestamp is whole (several requests per stamp then stand for a unit).
fn spread_ns(spread: Spread, summary: &TraceSummary, format: &TraceFormat) -> u64 {
    match spread {
        Spread::None => 0,
        Spread::Over(d) => d.as_nanos(),
        Spread::Auto if summary.whole_units => format.time_unit().nanos(),
        Spread::Auto => 0,
    }
}

/// Writes every request a run sends, at the time it sends it.
pub struct Recorder {
    writer: Option<Box<dyn TaggedWrite>>,
    /// Region names as written: the metrics' slugs.
    regions: Vec<String>,
    error: Option<String>,
}

impl Recorder {
    /// A recorder writing to `sink`, naming the regions of `world`.
    pub fn new(sink: Box<dyn TaggedWrite>, world: &World) -> Recorder {
        Recorder {
            writer: Some(sink),
            regions: world.spec().regions.iter().map(|r| slug(&r.name)).collect(),
            error: None,
        }
    }

    /// Records one request; the first write error stops the recording.
    #[inline]
    pub fn note(&mut self, now: SimTime, new: &NewRequest) {
        let Some(writer) = &mut self.writer else {
            return;
        };
        let request = Request {
            time: now,
            id: new.object,
            size: new.size,
        };
        let region = &self.regions[new.region as usize];
        if let Err(e) = writer.write_tagged(&request, region, new.client) {
            self.error = Some(e.to_string());
            self.writer = None;
        }
    }

    /// Completes the file; a write error (now or earlier) fails the run,
    /// and the partial file is removed.
    pub fn finish(mut self) -> Result<(), String> {
        if let Some(e) = self.error.take() {
            return Err(format!("recording the trace failed: {e}"));
        }
        match self.writer.take() {
            Some(writer) => writer.finish().map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

impl CdnModel {
    /// Time zero: the first arrival of every region, or of the trace.
    pub(super) fn start_requests(&mut self, s: &mut Scheduler<Event>) {
        match &mut self.workload.source {
            RequestSource::Synthetic(synthetic) => {
                for r in 0..synthetic.arrivals.len() {
                    if let Some(stream) = synthetic.arrivals[r] {
                        let gap = stream.gap(&mut synthetic.arrival_rngs[r]);
                        s.schedule_at(gap, Event::Arrival(r as u16));
                        let rng = &mut synthetic.request_rngs[r];
                        for ahead in &mut synthetic.ahead[r] {
                            let object = self.catalogue.sample(rng);
                            let client = below(rng, self.cfg.clients_per_region);
                            *ahead = Drawn {
                                object,
                                client,
                                server: NONE,
                            };
                        }
                        synthetic.words[r] = Words::take(rng, &self.catalogue);
                    }
                }
            }
            RequestSource::Trace(trace) => {
                if let Some(at) = trace.queue_next() {
                    s.schedule_at(at, Event::TraceArrival);
                }
            }
        }
    }

    /// A catalogue request of `region` reaches its PoP now; the next is scheduled.
    pub(super) fn on_arrival(&mut self, region: u16, s: &mut Scheduler<Event>) {
        let r = region as usize;
        let RequestSource::Synthetic(synthetic) = &mut self.workload.source else {
            return;
        };
        let Some(stream) = synthetic.arrivals[r] else {
            return;
        };
        s.schedule_in(
            stream.gap(&mut synthetic.arrival_rngs[r]),
            Event::Arrival(region),
        );
        if !self.keep_candidate(region, s.now()) {
            return;
        }
        let RequestSource::Synthetic(synthetic) = &mut self.workload.source else {
            return;
        };
        // This arrival is the request drawn AHEAD arrivals ago; draw the
        // one AHEAD arrivals on, and take the warming of the lookups of
        // those in between a step further (see `SyntheticSource::ahead`).
        let words = synthetic.words[r];
        let object = (self.catalogue).object_of(words.column as usize, words.coin);
        let client = below_word(words.client, self.cfg.clients_per_region);
        let taken = Words::take(&mut synthetic.request_rngs[r], &self.catalogue);
        synthetic.words[r] = taken;
        self.prefetch_route(
            region,
            below_word(taken.client, self.cfg.clients_per_region),
        );
        let third = Drawn {
            object,
            client,
            server: self.likely_server(region, client, object),
        };
        let RequestSource::Synthetic(synthetic) = &mut self.workload.source else {
            return;
        };
        let [arriving, next, second] = synthetic.ahead[r];
        synthetic.ahead[r] = [next, second, third];
        self.prefetch(next.server, next.object, Prefetch::Neighbours);
        self.prefetch_route(region, next.client);
        self.prefetch(second.server, second.object, Prefetch::Entry);
        self.prefetch(third.server, third.object, Prefetch::Slot);
        let new = NewRequest {
            region,
            client: arriving.client,
            object: arriving.object,
            size: self.catalogue.size(arriving.object),
            class: self.class_of(arriving.object),
            warm: false,
            source: Source::Catalogue,
        };
        self.dispatch(new, true, s);
    }

    /// Thinning for the diurnal cycle: keep a candidate with probability rate(t) / peak rate.
    #[inline]
    fn keep_candidate(&mut self, region: u16, now: SimTime) -> bool {
        let diurnal = self.workload.diurnal;
        if diurnal.amplitude == 0.0 {
            return true;
        }
        let RequestSource::Synthetic(synthetic) = &mut self.workload.source else {
            return true;
        };
        let offset = self.world.region(RegionId(region as u32)).utc_offset_hours;
        let keep = diurnal.factor(offset, now) / diurnal.peak_factor();
        let u: f64 = synthetic.arrival_rngs[region as usize].random();
        u < keep
    }

    /// The trace's next request reaches its PoP now; the one after is scheduled.
    pub(super) fn on_trace_arrival(&mut self, s: &mut Scheduler<Event>) {
        let RequestSource::Trace(trace) = &mut self.workload.source else {
            return;
        };
        let Some(p) = trace.pending.take() else {
            return;
        };
        trace.sent += 1;
        if let Some(at) = trace.queue_next() {
            s.schedule_at(at, Event::TraceArrival);
        }
        // Warm the lookups of requests read but not sent, as the synthetic
        // source does with its drawn requests: each step TRACE_STEP
        // requests before the next (a hint; nothing changes).
        let steps = [
            (Prefetch::Neighbours, trace.peek(TRACE_STEP - 1)),
            (Prefetch::Entry, trace.peek(2 * TRACE_STEP - 1)),
            (Prefetch::Slot, trace.peek(3 * TRACE_STEP - 1)),
        ];
        for (step, peeked) in steps {
            if let Some((object, region, client)) = peeked {
                self.prefetch(self.likely_server(region, client, object), object, step);
            }
        }
        let new = NewRequest {
            region: p.region,
            client: p.client,
            object: p.object,
            size: p.size,
            class: self.class_of(p.object),
            warm: false,
            source: Source::Catalogue,
        };
        self.dispatch(new, true, s);
    }

    /// The source's error during the run, if any, and the recording's completion.
    pub(crate) fn finish_workload(&mut self) -> Result<(), String> {
        if let RequestSource::Trace(trace) = &mut self.workload.source
            && let Some(e) = trace.error.take()
        {
            return Err(e);
        }
        match self.workload.recorder.take() {
            Some(recorder) => recorder.finish(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::trace::scan::summarise;
    use crate::workload::trace::{TraceFile, TraceReader};
    use crate::world::WorldSpec;

    fn shipped_world() -> World {
        World::build(WorldSpec::shipped())
    }

    /// A trace source over `text` (a CSV body, read from memory as the
    /// runner would read the file) with `adjust` applied to the parameters.
    fn source(text: &str, world: &World, adjust: impl Fn(&mut CdnParams)) -> TraceSource {
        let mut p = CdnParams::default();
        p.workload.trace = Some("t.csv".to_string());
        adjust(&mut p);
        let format = trace_format(&p, world).unwrap();
        let path = Path::new("t.csv");
        let reader = || {
            let bytes = std::io::Cursor::new(text.as_bytes().to_vec());
            TraceReader::over(Box::new(bytes), path, &format, false)
        };
        let prepared = PreparedTrace {
            summary: summarise(reader(), path, &format).unwrap(),
            file: TraceFile {
                path: path.to_path_buf(),
                format: format.clone(),
                skip_bad: false,
            },
        };
        let regions: Vec<u16> = world.regions().map(|r| r.0 as u16).collect();
        TraceSource::new(&p, world, &regions, &prepared, Box::new(reader()))
    }

    fn arrivals(source: &mut TraceSource) -> Vec<(f64, u64)> {
        std::iter::from_fn(|| source.advance())
            .map(|(at, p)| (at.as_secs_f64(), p.object))
            .collect()
    }

    #[test]
    fn whole_second_stamps_are_spread_over_their_second() {
        let text = "0,1,10\n0,2,10\n0,3,10\n0,4,10\n1,5,10\n";
        let world = shipped_world();
        let mut auto = source(text, &world, |_| {});
        let spread = [(0.0, 1), (0.25, 2), (0.5, 3), (0.75, 4), (1.0, 5)];
        assert_eq!(arrivals(&mut auto), spread);
        let mut none = source(text, &world, |p| p.workload.spread = Spread::None);
        let piled = [(0.0, 1), (0.0, 2), (0.0, 3), (0.0, 4), (1.0, 5)];
        assert_eq!(arrivals(&mut none), piled);
        let stamped = "0.5,1,10\n0.5,2,10\n0.75,3,10\n";
        let mut exact = source(stamped, &world, |_| {});
        assert_eq!(arrivals(&mut exact), [(0.0, 1), (0.0, 2), (0.25, 3)]);
    }

    #[test]
    fn origin_speed_and_times_going_backwards() {
        let world = shipped_world();
        let mut fast = source("10,1,1\n20,2,1\n", &world, |p| {
            p.workload.time_origin = TimeOrigin::Zero;
            p.workload.speed = 2.0;
        });
        assert_eq!(arrivals(&mut fast), [(5.0, 1), (10.0, 2)]);
        let mut late = source("5,1,1\n3,2,1\n6,3,1\n", &world, |p| {
            p.workload.spread = Spread::None;
        });
        assert_eq!(arrivals(&mut late), [(0.0, 1), (0.0, 2), (1.0, 3)]);
        assert_eq!(late.reordered, 1);
        assert_eq!(late.taken, 3);
    }

    #[test]
    fn clients_come_from_columns_or_hashes() {
        let world = shipped_world();
        let sydney = world.region_by_name("Sydney").unwrap().0 as u16;
        let text = "t,id,size,where,who\n0,1,1,Sydney,7\n0,2,1,sydney,1007\n";
        let mut named = source(text, &world, |p| {
            p.workload.region_col = Some(OptionValue::Text("where".into()));
            p.workload.client_col = Some(OptionValue::Integer(5));
        });
        let got: Vec<(u16, u32)> = std::iter::from_fn(|| named.advance())
            .map(|(_, p)| (p.region, p.client))
            .collect();
        assert_eq!(got, [(sydney, 7), (sydney, 7)], "1007 mod 1000 prefixes");

        let many: String = (0..2_000).map(|i| format!("{i},{},1\n", i % 3)).collect();
        let regions_seen = |source: &mut TraceSource| {
            let mut seen: Vec<(u64, u16, u32)> = std::iter::from_fn(|| source.advance())
                .map(|(_, p)| (p.object, p.region, p.client))
                .collect();
            seen.sort_unstable();
            seen.dedup();
            seen
        };
        let mut by_object = source(&many, &world, |p| p.workload.hash_by = HashBy::Object);
        assert_eq!(
            regions_seen(&mut by_object).len(),
            3,
            "one client per object"
        );
        let mut by_request = source(&many, &world, |_| {});
        let spread = regions_seen(&mut by_request);
        let mut regions: Vec<u16> = spread.iter().map(|s| s.1).collect();
        regions.sort_unstable();
        regions.dedup();
        assert!(regions.len() > 50, "{} regions", regions.len());
    }
}
