//! The world file (`models/world.toml`): its TOML schema, and the loader that
//! turns it into a checked [`WorldSpec`].
//!
//! The loader reads the PoP list from a CSV file named in the world file (path
//! relative to it) and from inline `[[pop]]` tables, applies the PoP selection
//! (`pops.only`, `pops.exclude`), and checks every site. Every error names the
//! file, line and key and says what was expected. It does not compute
//! latencies: [`crate::world::World::build`] does.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::geo::{LatLon, check_lat_lon};
use super::ids::PopId;
use super::latency::LatencyModel;
use crate::error::{InputError, read_text_limited};
use crate::units::Bandwidth;

/// The largest world file or PoP list read (by the bytes actually read).
const MAX_FILE_BYTES: u64 = 64 << 20;

/// The shipped world file, embedded so that tests and `edgesim validate` need no files.
pub const SHIPPED_WORLD_TOML: &str = include_str!("../../models/world.toml");
/// The shipped PoP list the world file refers to.
pub const SHIPPED_POPS_CSV: &str = include_str!("../../models/data/pops.csv");
/// Reads the PoP CSV named in a world file: (name for errors, contents) or why not.
pub type ReadCsv<'a> = dyn Fn(&str) -> Result<(String, String), String> + 'a;

/// The name errors in the shipped world carry.
pub const SHIPPED_WORLD_NAME: &str = "models/world.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorldFile {
    #[serde(default)]
    latency: LatencyModel,
    #[serde(default)]
    pops: PopsTable,
    #[serde(default)]
    pop: Vec<PopEntry>,
    #[serde(default)]
    origin: Vec<SiteEntry>,
    #[serde(default)]
    shield: Vec<SiteEntry>,
    #[serde(default)]
    resolver: Vec<SiteEntry>,
    #[serde(default)]
    region: Vec<RegionEntry>,
    links: LinksTable,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PopsTable {
    file: Option<Spanned<String>>,
    only: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PopEntry {
    name: Spanned<String>,
    lat: Spanned<f64>,
    lon: Spanned<f64>,
    continent: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteEntry {
    name: Spanned<String>,
    lat: Spanned<f64>,
    lon: Spanned<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionEntry {
    name: Spanned<String>,
    lat: Spanned<f64>,
    lon: Spanned<f64>,
    population_millions: Spanned<f64>,
    utc_offset_hours: Spanned<f64>,
    continent: String,
    pops: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinksTable {
    access: Bandwidth,
    backbone: Bandwidth,
    upstream: Bandwidth,
    direct: Bandwidth,
    pop_egress: Bandwidth,
    origin_egress: Bandwidth,
    max_access_distance_km: Option<Spanned<f64>>,
}

/// A point of presence.
#[derive(Clone, Debug, PartialEq)]
pub struct Pop {
    pub name: String,
    pub location: LatLon,
    /// A continent label for reports (north-america, europe, asia, ...).
    pub continent: String,
}

/// A named site without further attributes: origin, shield or public resolver.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    pub name: String,
    pub location: LatLon,
}

/// A client region: a metro area whose clients share one location.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    pub name: String,
    pub location: LatLon,
    pub population_millions: f64,
    /// Offset of local standard time from UTC, for diurnal load (no daylight saving).
    pub utc_offset_hours: f64,
    pub continent: String,
    /// The only PoPs this region can reach, when the world file restricts them.
    pub allowed_pops: Option<Vec<PopId>>,
}

impl Region {
    /// The local time of day, in hours from 0 to 24, at `utc_secs` seconds after
    /// midnight UTC of the simulated day (for diurnal load).
    pub fn local_hour(&self, utc_secs: f64) -> f64 {
        (utc_secs / 3_600.0 + self.utc_offset_hours).rem_euclid(24.0)
    }
}

/// Link capacities, in bits per second, per class of link.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Links {
    /// Client region to PoP.
    pub access_bps: f64,
    /// PoP to PoP (forwarding and failover traffic).
    pub backbone_bps: f64,
    /// PoP to shield, PoP to origin and shield to origin (cache fills).
    pub upstream_bps: f64,
    /// Client region straight to the origin (the no-CDN baseline).
    pub direct_bps: f64,
    /// Egress capacity of each PoP towards its clients.
    pub pop_egress_bps: f64,
    /// Egress capacity of each origin.
    pub origin_egress_bps: f64,
    /// Regions reach only PoPs within this distance, when set.
    pub max_access_distance_km: Option<f64>,
}

/// A checked world description: every site valid, names unique, PoP selection applied.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldSpec {
    /// The file the spec came from, as errors name it.
    pub file_name: String,
    pub latency: LatencyModel,
    pub pops: Vec<Pop>,
    pub origins: Vec<Site>,
    pub shields: Vec<Site>,
    pub resolvers: Vec<Site>,
    pub regions: Vec<Region>,
    pub links: Links,
}

/// Source text and name of the file being loaded, for located errors.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Box<InputError> {
        Box::new(
            InputError::new(self.name, message)
                .with_snippet(self.text, span)
                .with_key(key),
        )
    }
}

impl WorldSpec {
    /// Loads a world file from disk; the PoP CSV path inside it is relative to the file.
    /// `only_pops`, when given, replaces the file's `pops.only` selection.
    pub fn load(path: &Path, only_pops: Option<&[String]>) -> Result<WorldSpec, Box<InputError>> {
        let text = read_text_limited(path, MAX_FILE_BYTES, "world file", "64 MiB")
            .map_err(|m| InputError::file(path, m))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let read = |relative: &str| -> Result<(String, String), String> {
            let csv_path = dir.join(relative);
            read_text_limited(&csv_path, MAX_FILE_BYTES, "PoP list", "64 MiB")
                .map(|text| (csv_path.display().to_string(), text))
                .map_err(|m| format!("`{}`: {m}", csv_path.display()))
        };
        WorldSpec::parse(&path.display().to_string(), &text, &read, only_pops)
    }

    /// The shipped world (`models/world.toml` with `models/data/pops.csv`), all PoPs enabled.
    pub fn shipped() -> WorldSpec {
        WorldSpec::shipped_with(None).expect("the shipped world file is valid (tested)")
    }

    /// The shipped world restricted to the named PoPs.
    pub fn shipped_with(only_pops: Option<&[String]>) -> Result<WorldSpec, Box<InputError>> {
        let read = |_: &str| {
            Ok((
                "models/data/pops.csv".to_string(),
                SHIPPED_POPS_CSV.to_string(),
            ))
        };
        WorldSpec::parse(SHIPPED_WORLD_NAME, SHIPPED_WORLD_TOML, &read, only_pops)
    }

    /// Parses and checks world-file text. `read_csv` maps the `pops.file` value to
    /// (name for errors, contents) or to a reason it cannot be read.
    pub fn parse(
        file_name: &str,
        text: &str,
        read_csv: &ReadCsv,
        only_pops: Option<&[String]>,
    ) -> Result<WorldSpec, Box<InputError>> {
        let source = Source {
            name: file_name,
            text,
        };
        let file: WorldFile = toml::from_str(text).map_err(|e| toml_error(&source, &e))?;
        if let Some((key, message)) = file.latency.problem() {
            let span = key_span(text, "latency", key.rsplit('.').next().unwrap_or(key));
            return Err(source.error(span, key, message));
        }
        let all_pops = read_pops(&source, &file, read_csv)?;
        let enabled = select_pops(&source, &file.pops, &all_pops, only_pops)?;
        let pops: Vec<Pop> = enabled.iter().map(|&i| all_pops[i].clone()).collect();
        let links = read_links(&source, &file.links)?;
        let origins = read_sites(&source, &file.origin, "origin")?;
        if origins.is_empty() {
            Err(InputError::new(
                file_name,
                "the world has no origin: add an [[origin]] table with name, lat and lon",
            )
            .with_key("origin"))?;
        }
        let shields = read_sites(&source, &file.shield, "shield")?;
        let resolvers = read_sites(&source, &file.resolver, "resolver")?;
        let regions = read_regions(&source, &file.region, &all_pops, &enabled, &links)?;
        Ok(WorldSpec {
            file_name: file_name.to_string(),
            latency: file.latency,
            pops,
            origins,
            shields,
            resolvers,
            regions,
            links,
        })
    }

    /// The id of the enabled PoP called `name`.
    pub fn pop_id(&self, name: &str) -> Option<PopId> {
        self.pops
            .iter()
            .position(|p| p.name == name)
            .map(PopId::from_index)
    }
}

/// Turns a TOML syntax or schema error into a located input error.
fn toml_error(source: &Source<'_>, error: &toml::de::Error) -> InputError {
    let message = error.message().trim_end().to_string();
    match error.span() {
        Some(span) => {
            let mut e =
                InputError::new(source.name, message).with_snippet(source.text, span.clone());
            if let Some(key) = key_at(source.text, span.start) {
                e = e.with_key(key);
            }
            e
        }
        None => InputError::new(source.name, message),
    }
}

/// The dotted key whose line holds byte `offset`: the table header above it
/// plus the key on the line, e.g. `region.lat` or `links.access`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let header = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let key = line.split_once('=').map(|(k, _)| k.trim().to_string());
    match (header, key) {
        (Some(h), Some(k)) => Some(format!("{h}.{k}")),
        (None, Some(k)) => Some(k),
        (Some(h), None) => Some(h),
        (None, None) => None,
    }
}

/// The span of `key = ...` inside `[table]`, or the header's span when the
/// key is not written there (a default was used).
fn key_span(text: &str, table: &str, key: &str) -> Range<usize> {
    let header = format!("[{table}]");
    let Some(table_at) = text.find(&header) else {
        return 0..0;
    };
    let mut offset = table_at;
    for (i, line) in text[table_at..].split_inclusive('\n').enumerate() {
        let line_offset = offset;
        offset += line.len();
        if i == 0 {
            continue;
        }
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            break;
        }
        if trimmed.split('=').next().map(str::trim) == Some(key) {
            let start = line_offset + line.len() - trimmed.len();
            return start..start + key.len();
        }
    }
    table_at..table_at + header.len()
}

fn check_location(
    source: &Source<'_>,
    key: &str,
    lat: &Spanned<f64>,
    lon: &Spanned<f64>,
) -> Result<LatLon, Box<InputError>> {
    if let Some(message) = check_lat_lon(*lat.get_ref(), 0.0) {
        return Err(source.error(lat.span(), format!("{key}.lat"), message));
    }
    if let Some(message) = check_lat_lon(0.0, *lon.get_ref()) {
        return Err(source.error(lon.span(), format!("{key}.lon"), message));
    }
    Ok(LatLon::new(*lat.get_ref(), *lon.get_ref()))
}

fn check_name(
    source: &Source<'_>,
    key: &str,
    name: &Spanned<String>,
    seen: &mut BTreeSet<String>,
) -> Result<String, Box<InputError>> {
    let text = name.get_ref().trim();
    if text.is_empty() {
        return Err(source.error(
            name.span(),
            format!("{key}.name"),
            "expected a non-empty name",
        ));
    }
    if !seen.insert(text.to_string()) {
        return Err(source.error(
            name.span(),
            format!("{key}.name"),
            format!("duplicate name `{text}`: each {key} needs a unique name"),
        ));
    }
    Ok(text.to_string())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PopRow {
    city: String,
    region: String,
    lat: f64,
    lon: f64,
}

/// Reads the PoPs of the CSV file (if any) and of the inline `[[pop]]` tables, in that order.
fn read_pops(
    source: &Source<'_>,
    file: &WorldFile,
    read_csv: &ReadCsv,
) -> Result<Vec<Pop>, Box<InputError>> {
    let mut pops = Vec::new();
    let mut seen = BTreeSet::new();
    if let Some(csv_name) = &file.pops.file {
        let (csv_origin, csv_text) = read_csv(csv_name.get_ref())
            .map_err(|m| source.error(csv_name.span(), "pops.file", m))?;
        pops = parse_pops_csv(&csv_origin, &csv_text)?;
        for pop in &pops {
            seen.insert(pop.name.clone());
        }
    }
    for entry in &file.pop {
        let name = check_name(source, "pop", &entry.name, &mut seen)?;
        let location = check_location(source, "pop", &entry.lat, &entry.lon)?;
        pops.push(Pop {
            name,
            location,
            continent: entry.continent.trim().to_string(),
        });
    }
    if pops.is_empty() {
        Err(InputError::new(source.name, "the world has no PoPs: set pops.file to a CSV of PoPs (city,region,lat,lon) or add [[pop]] tables")
            .with_key("pops"))?;
    }
    Ok(pops)
}

/// Parses a PoP list with columns `city,region,lat,lon`; lines starting with `#` are comments.
pub fn parse_pops_csv(csv_origin: &str, text: &str) -> Result<Vec<Pop>, Box<InputError>> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| csv_error(csv_origin, &e))?
        .clone();
    let mut pops: Vec<Pop> = Vec::new();
    let mut seen = BTreeSet::new();
    for result in reader.records() {
        let record = result.map_err(|e| csv_error(csv_origin, &e))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let row: PopRow = record
            .deserialize(Some(&headers))
            .map_err(|e| csv_error(csv_origin, &e).at_line(line))?;
        let at = |key: &str, message: String| {
            InputError::new(csv_origin, message)
                .at_line(line)
                .with_key(key)
        };
        if row.city.is_empty() {
            Err(at("city", "expected a PoP name".into()))?;
        }
        if !seen.insert(row.city.clone()) {
            Err(at(
                "city",
                format!("duplicate PoP `{}`: each PoP needs a unique name", row.city),
            ))?;
        }
        if let Some(message) = check_lat_lon(row.lat, row.lon) {
            let key = if check_lat_lon(row.lat, 0.0).is_some() {
                "lat"
            } else {
                "lon"
            };
            Err(at(key, format!("PoP `{}`: {message}", row.city)))?;
        }
        pops.push(Pop {
            name: row.city,
            location: LatLon::new(row.lat, row.lon),
            continent: row.region,
        });
    }
    Ok(pops)
}

fn csv_error(csv_origin: &str, error: &csv::Error) -> InputError {
    let mut e = InputError::new(
        csv_origin,
        format!("expected columns city,region,lat,lon with numeric lat and lon: {error}"),
    );
    if let Some(position) = error.position() {
        e = e.at_line(position.line() as usize);
    }
    if let csv::ErrorKind::Deserialize { err, .. } = error.kind()
        && let Some(field) = err.field()
    {
        let names = ["city", "region", "lat", "lon"];
        if let Some(name) = names.get(field as usize) {
            e = e.with_key(*name);
        }
    }
    e
}

/// "unknown PoP `x`; did you mean "y"? known PoPs: ...".
fn unknown_pop(name: &str, context: &str, names: &[&str]) -> String {
    let hint = crate::suggest::did_you_mean(name, names.iter().copied())
        .map_or(String::new(), |h| format!("; {h}"));
    format!(
        "unknown PoP `{name}`{context}{hint}; known PoPs: {}",
        names.join(", ")
    )
}

/// Indices into `all` of the enabled PoPs, in `all`'s order.
fn select_pops(
    source: &Source<'_>,
    table: &PopsTable,
    all: &[Pop],
    only_override: Option<&[String]>,
) -> Result<Vec<usize>, Box<InputError>> {
    let index_of = |name: &str| all.iter().position(|p| p.name == name);
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    let unknown = |name: &str, context: &str| unknown_pop(name, context, &names);
    let mut enabled: Vec<bool> = vec![only_override.is_none() && table.only.is_none(); all.len()];
    if let Some(names) = only_override {
        for name in names {
            let i = index_of(name).ok_or_else(|| {
                InputError::new(source.name, unknown(name, " in the PoP selection"))
                    .with_key("pops.only")
            })?;
            enabled[i] = true;
        }
    } else if let Some(names) = &table.only {
        for name in names {
            let i = index_of(name.get_ref()).ok_or_else(|| {
                source.error(name.span(), "pops.only", unknown(name.get_ref(), ""))
            })?;
            enabled[i] = true;
        }
    }
    for name in &table.exclude {
        let i = index_of(name.get_ref()).ok_or_else(|| {
            source.error(name.span(), "pops.exclude", unknown(name.get_ref(), ""))
        })?;
        enabled[i] = false;
    }
    let chosen: Vec<usize> = (0..all.len()).filter(|&i| enabled[i]).collect();
    if chosen.is_empty() {
        Err(InputError::new(
            source.name,
            "the PoP selection leaves zero PoPs: enable at least one",
        )
        .with_key("pops.only"))?;
    }
    Ok(chosen)
}

fn read_links(source: &Source<'_>, table: &LinksTable) -> Result<Links, Box<InputError>> {
    let positive = |value: Bandwidth, key: &str| -> Result<f64, Box<InputError>> {
        if value.0 > 0.0 {
            Ok(value.0)
        } else {
            Err(source.error(
                key_span(source.text, "links", key),
                format!("links.{key}"),
                "expected a bandwidth above zero, such as \"10Gbps\"",
            ))
        }
    };
    let max_access_distance_km = match &table.max_access_distance_km {
        Some(d) if !(d.get_ref().is_finite() && *d.get_ref() > 0.0) => {
            return Err(source.error(
                d.span(),
                "links.max_access_distance_km",
                format!("expected a distance above 0 km, got {}", d.get_ref()),
            ));
        }
        Some(d) => Some(*d.get_ref()),
        None => None,
    };
    Ok(Links {
        access_bps: positive(table.access, "access")?,
        backbone_bps: positive(table.backbone, "backbone")?,
        upstream_bps: positive(table.upstream, "upstream")?,
        direct_bps: positive(table.direct, "direct")?,
        pop_egress_bps: positive(table.pop_egress, "pop_egress")?,
        origin_egress_bps: positive(table.origin_egress, "origin_egress")?,
        max_access_distance_km,
    })
}

fn read_sites(
    source: &Source<'_>,
    entries: &[SiteEntry],
    kind: &str,
) -> Result<Vec<Site>, Box<InputError>> {
    let mut seen = BTreeSet::new();
    entries
        .iter()
        .map(|entry| {
            let name = check_name(source, kind, &entry.name, &mut seen)?;
            let location = check_location(source, kind, &entry.lat, &entry.lon)?;
            Ok(Site { name, location })
        })
        .collect()
}

fn read_regions(
    source: &Source<'_>,
    entries: &[RegionEntry],
    all_pops: &[Pop],
    enabled: &[usize],
    links: &Links,
) -> Result<Vec<Region>, Box<InputError>> {
    if entries.is_empty() {
        Err(InputError::new(
            source.name,
            "the world has no client regions: add [[region]] tables",
        )
        .with_key("region"))?;
    }
    let mut seen = BTreeSet::new();
    let mut regions = Vec::with_capacity(entries.len());
    for entry in entries {
        let name = check_name(source, "region", &entry.name, &mut seen)?;
        let location = check_location(source, "region", &entry.lat, &entry.lon)?;
        let population = *entry.population_millions.get_ref();
        if !(population.is_finite() && population > 0.0 && population <= 10_000.0) {
            let message = format!(
                "region `{name}`: expected a population above 0 and at most 10000 (millions of people), got {population}"
            );
            return Err(source.error(
                entry.population_millions.span(),
                "region.population_millions",
                message,
            ));
        }
        let offset = *entry.utc_offset_hours.get_ref();
        if !(offset.is_finite() && (-12.0..=14.0).contains(&offset)) {
            let message = format!(
                "region `{name}`: expected a UTC offset from -12 to 14 hours, got {offset}"
            );
            return Err(source.error(
                entry.utc_offset_hours.span(),
                "region.utc_offset_hours",
                message,
            ));
        }
        let allowed_pops = match &entry.pops {
            Some(names) => Some(allowed_pop_ids(source, names, all_pops, enabled)?),
            None => None,
        };
        let region = Region {
            name,
            location,
            population_millions: population,
            utc_offset_hours: offset,
            continent: entry.continent.trim().to_string(),
            allowed_pops,
        };
        check_route(source, &region, entry, all_pops, enabled, links)?;
        regions.push(region);
    }
    Ok(regions)
}

/// Maps a region's `pops` list to ids of enabled PoPs; disabled ones drop out.
fn allowed_pop_ids(
    source: &Source<'_>,
    names: &[Spanned<String>],
    all_pops: &[Pop],
    enabled: &[usize],
) -> Result<Vec<PopId>, Box<InputError>> {
    let mut ids = Vec::new();
    for name in names {
        let Some(index) = all_pops.iter().position(|p| &p.name == name.get_ref()) else {
            let names: Vec<&str> = all_pops.iter().map(|p| p.name.as_str()).collect();
            return Err(source.error(
                name.span(),
                "region.pops",
                unknown_pop(name.get_ref(), "", &names),
            ));
        };
        if let Some(id) = enabled.iter().position(|&e| e == index) {
            ids.push(PopId::from_index(id));
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A region must reach at least one enabled PoP within the access distance.
fn check_route(
    source: &Source<'_>,
    region: &Region,
    entry: &RegionEntry,
    all_pops: &[Pop],
    enabled: &[usize],
    links: &Links,
) -> Result<(), Box<InputError>> {
    let max_km = links.max_access_distance_km.unwrap_or(f64::INFINITY);
    let reachable = (0..enabled.len()).any(|id| {
        let allowed = region
            .allowed_pops
            .as_ref()
            .is_none_or(|a| a.contains(&PopId::from_index(id)));
        allowed && region.location.distance_km(all_pops[enabled[id]].location) <= max_km
    });
    if reachable {
        return Ok(());
    }
    let why = match (&region.allowed_pops, links.max_access_distance_km) {
        (Some(_), Some(km)) => format!(
            "none of its listed PoPs is enabled and within links.max_access_distance_km = {km}"
        ),
        (Some(_), None) => "none of its listed PoPs is enabled".to_string(),
        (None, Some(km)) => format!("no enabled PoP is within links.max_access_distance_km = {km}"),
        (None, None) => "no PoP is enabled".to_string(),
    };
    let key = if entry.pops.is_some() {
        "region.pops"
    } else {
        "region.name"
    };
    Err(source.error(
        entry.name.span(),
        key,
        format!(
            "region `{}` has no route to any PoP: {why}; enable a PoP it can reach",
            region.name
        ),
    ))
}
