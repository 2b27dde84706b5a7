//! The price model (`models/prices.toml`): instance profiles (cores,
//! memory, local storage, $/h), CDN egress and request prices by region,
//! origin egress, each with its source and the file's date. It parses and
//! checks a price file and answers the questions the models ask of it: the
//! price of a named profile, the cheapest profile that fits a need, the
//! egress and request price of a region, and what a byte volume or request
//! count costs.
//!
//! It is not where costs are added up: each model reports its own
//! `cost_per_hour` from what it simulated (`docs/planning.md`).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use toml::Spanned;

use crate::error::InputError;
use crate::units::Bytes;

/// The shipped price file, embedded so that tests and library use need no files.
pub const SHIPPED_PRICES_TOML: &str = include_str!("../models/prices.toml");
/// The name errors in the shipped price file carry.
pub const SHIPPED_PRICES_NAME: &str = "models/prices.toml";

/// The most instance profiles or regions one price file may list.
pub const MAX_ENTRIES: usize = 10_000;
/// A price above this ($ per hour, GB or 10k requests) is taken for a typo.
pub const MAX_PRICE_USD: f64 = 1e6;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PricesFile {
    date: Spanned<String>,
    currency: Spanned<String>,
    gb_bytes: Spanned<u64>,
    push_region: Spanned<String>,
    #[serde(default)]
    instance: BTreeMap<String, InstanceEntry>,
    #[serde(default)]
    region: BTreeMap<String, RegionEntry>,
    origin: OriginEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceEntry {
    cores: Spanned<u32>,
    memory: Spanned<Bytes>,
    #[serde(default)]
    storage: Option<Spanned<Bytes>>,
    usd_per_hour: Spanned<f64>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionEntry {
    egress_usd_per_gb: Spanned<f64>,
    requests_usd_per_10k: Spanned<f64>,
    source: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OriginEntry {
    to_cdn_usd_per_gb: Spanned<f64>,
    to_clients_usd_per_gb: Spanned<f64>,
    source: Spanned<String>,
}

/// One instance profile: what it has and what an hour of it costs.
#[derive(Clone, Debug, PartialEq)]
pub struct Instance {
    pub name: String,
    pub cores: u32,
    pub memory_bytes: u64,
    /// Local instance storage (NVMe); 0 for EBS-only profiles.
    pub storage_bytes: u64,
    pub usd_per_hour: f64,
    pub source: String,
}

/// What one region charges for CDN egress and requests.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionPrice {
    pub egress_usd_per_gb: f64,
    pub requests_usd_per_10k: f64,
    pub source: String,
}

/// A checked price model.
#[derive(Clone, Debug, PartialEq)]
pub struct Prices {
    /// The file the prices came from (for messages).
    pub file_name: String,
    /// SHA-256 (hex) of the price file's text: part of a run record's plan
    /// identity, so that records made with other prices are not reused.
    pub sha256: String,
    /// When the prices were checked (as written, e.g. `2026-12-01`).
    pub date: String,
    pub currency: String,
    /// Bytes in one billed GB.
    pub gb_bytes: u64,
    /// The region whose request price the push model pays.
    pub push_region: String,
    /// Profiles by name (sorted, so ties resolve by name).
    pub instances: BTreeMap<String, Instance>,
    pub regions: BTreeMap<String, RegionPrice>,
    /// Origin egress towards the CDN (cache fills) and towards clients.
    pub origin_to_cdn_usd_per_gb: f64,
    pub origin_to_clients_usd_per_gb: f64,
}

/// What a component needs of an instance, to pick the cheapest that fits.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Need {
    pub cores: u32,
    pub memory_bytes: u64,
    /// Memory and local storage together (a cache may use either).
    pub store_bytes: u64,
}

impl Instance {
    /// True when this profile has at least what `need` asks.
    pub fn fits(&self, need: Need) -> bool {
        self.cores >= need.cores
            && self.memory_bytes >= need.memory_bytes
            && self.memory_bytes.saturating_add(self.storage_bytes) >= need.store_bytes
    }
}

impl Prices {
    /// The shipped prices, parsed once.
    pub fn shipped() -> Arc<Prices> {
        static SHIPPED: OnceLock<Arc<Prices>> = OnceLock::new();
        SHIPPED
            .get_or_init(|| {
                let prices = Prices::parse(SHIPPED_PRICES_NAME, SHIPPED_PRICES_TOML)
                    .expect("the shipped price file is valid (tested)");
                Arc::new(prices)
            })
            .clone()
    }

    /// Loads a price file from disk.
    pub fn load(path: &Path) -> Result<Prices, Box<InputError>> {
        let text = crate::error::read_text_limited(path, 64 << 20, "price file", "64 MiB")
            .map_err(|m| InputError::file(path, m))?;
        Prices::parse(&path.display().to_string(), &text)
    }

    /// Parses and checks price-file text; an error names the file, line and key.
    pub fn parse(file_name: &str, text: &str) -> Result<Prices, Box<InputError>> {
        let fail = |span: Range<usize>, key: String, message: String| {
            Box::new(
                InputError::new(file_name, message)
                    .with_snippet(text, span)
                    .with_key(key),
            )
        };
        let file: PricesFile = toml::from_str(text).map_err(|e| {
            let err = InputError::new(file_name, e.message().trim_end().to_string());
            Box::new(match e.span() {
                Some(span) => err.with_snippet(text, span),
                None => err,
            })
        })?;
        if file.instance.len() > MAX_ENTRIES || file.region.len() > MAX_ENTRIES {
            return Err(Box::new(InputError::new(
                file_name,
                format!("at most {MAX_ENTRIES} instance profiles and regions"),
            )));
        }
        check_text(&file.date, "date", &fail)?;
        check_text(&file.currency, "currency", &fail)?;
        if *file.gb_bytes.get_ref() == 0 {
            let message = "a GB must be at least one byte (AWS bills 2^30)".to_string();
            return Err(fail(file.gb_bytes.span(), "gb_bytes".into(), message));
        }
        let instances = instances(&file, &fail)?;
        let regions = regions(&file, &fail)?;
        let push_region = file.push_region.get_ref().clone();
        if !regions.contains_key(&push_region) {
            let message = format!(
                "no [region.\"{push_region}\"] table; expected one of: {}",
                names(regions.keys())
            );
            return Err(fail(file.push_region.span(), "push_region".into(), message));
        }
        let o = &file.origin;
        check_price(&o.to_cdn_usd_per_gb, "origin.to_cdn_usd_per_gb", &fail)?;
        check_price(
            &o.to_clients_usd_per_gb,
            "origin.to_clients_usd_per_gb",
            &fail,
        )?;
        check_text(&o.source, "origin.source", &fail)?;
        Ok(Prices {
            file_name: file_name.to_string(),
            sha256: sha256_hex(text),
            date: file.date.into_inner(),
            currency: file.currency.into_inner(),
            gb_bytes: file.gb_bytes.into_inner(),
            push_region,
            instances,
            regions,
            origin_to_cdn_usd_per_gb: *o.to_cdn_usd_per_gb.get_ref(),
            origin_to_clients_usd_per_gb: *o.to_clients_usd_per_gb.get_ref(),
        })
    }

    /// The profile called `name`, or what names exist.
    pub fn instance(&self, name: &str) -> Result<&Instance, String> {
        self.instances.get(name).ok_or_else(|| {
            format!(
                "no instance profile \"{name}\" in {}; expected one of: {}",
                self.file_name,
                names(self.instances.keys())
            )
        })
    }

    /// The cheapest profile with at least `need` (ties: the first by name).
    pub fn cheapest_fitting(&self, need: Need) -> Result<&Instance, String> {
        self.instances
            .values()
            .filter(|i| i.fits(need))
            .min_by(|a, b| a.usd_per_hour.total_cmp(&b.usd_per_hour))
            .ok_or_else(|| {
                format!(
                    "no instance profile in {} has {} cores, {} bytes of memory and {} bytes of memory and storage; add one or lower the need",
                    self.file_name, need.cores, need.memory_bytes, need.store_bytes
                )
            })
    }

    /// A named profile that must fit `need`, or the cheapest that does.
    pub fn choose(&self, profile: Option<&str>, need: Need) -> Result<&Instance, String> {
        match profile {
            None => self.cheapest_fitting(need),
            Some(name) => {
                let instance = self.instance(name)?;
                if instance.fits(need) {
                    Ok(instance)
                } else {
                    Err(format!(
                        "profile \"{name}\" ({} cores, {} bytes of memory, {} of storage) is too small: {} cores, {} bytes of memory and {} of memory and storage are needed",
                        instance.cores,
                        instance.memory_bytes,
                        instance.storage_bytes,
                        need.cores,
                        need.memory_bytes,
                        need.store_bytes
                    ))
                }
            }
        }
    }

    /// The prices of region `name` (a continent label of the world).
    pub fn region(&self, name: &str) -> Result<&RegionPrice, String> {
        self.regions.get(name).ok_or_else(|| {
            format!(
                "no [region.\"{name}\"] price in {}; expected one of: {}",
                self.file_name,
                names(self.regions.keys())
            )
        })
    }

    /// Billed GB in `bytes`.
    pub fn gb(&self, bytes: f64) -> f64 {
        bytes / self.gb_bytes as f64
    }
}

/// What a run costs per hour, in its three parts.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Costs {
    /// Instances: servers, gateways, caches, brokers.
    pub compute_per_hour: f64,
    /// Bytes sent: CDN egress by region, origin egress.
    pub egress_per_hour: f64,
    /// Requests billed per 10,000.
    pub requests_per_hour: f64,
}

impl Costs {
    pub fn total_per_hour(&self) -> f64 {
        self.compute_per_hour + self.egress_per_hour + self.requests_per_hour
    }

    /// The metrics: `cost_per_hour` and its parts, in that order.
    pub fn metrics(&self) -> [(&'static str, f64); 4] {
        [
            ("cost_per_hour", self.total_per_hour()),
            ("cost_compute_per_hour", self.compute_per_hour),
            ("cost_egress_per_hour", self.egress_per_hour),
            ("cost_requests_per_hour", self.requests_per_hour),
        ]
    }
}

/// Seconds in the hour costs are quoted per.
pub const HOUR_S: f64 = 3600.0;

/// Dollars for `requests` requests at `usd_per_10k`.
pub fn requests_usd(requests: f64, usd_per_10k: f64) -> f64 {
    requests / 10_000.0 * usd_per_10k
}

type Fail<'a> = dyn Fn(Range<usize>, String, String) -> Box<InputError> + 'a;

fn instances(
    file: &PricesFile,
    fail: &Fail,
) -> Result<BTreeMap<String, Instance>, Box<InputError>> {
    let mut out = BTreeMap::new();
    for (name, entry) in &file.instance {
        let key = |k: &str| format!("instance.\"{name}\".{k}");
        if *entry.cores.get_ref() == 0 {
            let message = "an instance has at least one core".to_string();
            return Err(fail(entry.cores.span(), key("cores"), message));
        }
        if entry.memory.get_ref().0 == 0 {
            let message = "an instance has some memory, e.g. \"8GiB\"".to_string();
            return Err(fail(entry.memory.span(), key("memory"), message));
        }
        check_price(&entry.usd_per_hour, &key("usd_per_hour"), fail)?;
        check_text(&entry.source, &key("source"), fail)?;
        let instance = Instance {
            name: name.clone(),
            cores: *entry.cores.get_ref(),
            memory_bytes: entry.memory.get_ref().0,
            storage_bytes: entry.storage.as_ref().map_or(0, |s| s.get_ref().0),
            usd_per_hour: *entry.usd_per_hour.get_ref(),
            source: entry.source.get_ref().clone(),
        };
        out.insert(name.clone(), instance);
    }
    Ok(out)
}

fn regions(
    file: &PricesFile,
    fail: &Fail,
) -> Result<BTreeMap<String, RegionPrice>, Box<InputError>> {
    let mut out = BTreeMap::new();
    for (name, entry) in &file.region {
        let key = |k: &str| format!("region.\"{name}\".{k}");
        check_price(&entry.egress_usd_per_gb, &key("egress_usd_per_gb"), fail)?;
        check_price(
            &entry.requests_usd_per_10k,
            &key("requests_usd_per_10k"),
            fail,
        )?;
        check_text(&entry.source, &key("source"), fail)?;
        let price = RegionPrice {
            egress_usd_per_gb: *entry.egress_usd_per_gb.get_ref(),
            requests_usd_per_10k: *entry.requests_usd_per_10k.get_ref(),
            source: entry.source.get_ref().clone(),
        };
        out.insert(name.clone(), price);
    }
    Ok(out)
}

fn check_price(value: &Spanned<f64>, key: &str, fail: &Fail) -> Result<(), Box<InputError>> {
    let v = *value.get_ref();
    if v.is_finite() && (0.0..=MAX_PRICE_USD).contains(&v) {
        return Ok(());
    }
    let message = format!("expected a price between 0 and {MAX_PRICE_USD} dollars, got {v}");
    Err(fail(value.span(), key.to_string(), message))
}

/// Dates, currencies and sources must be written: a figure without its
/// source is not accepted.
fn check_text(value: &Spanned<String>, key: &str, fail: &Fail) -> Result<(), Box<InputError>> {
    if value.get_ref().trim().is_empty() {
        let message = "must not be empty: say where the figure comes from and when".to_string();
        return Err(fail(value.span(), key.to_string(), message));
    }
    Ok(())
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    keys.map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// SHA-256 of `text`, in lower-case hex.
fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_prices_parse_and_cover_the_world_continents() {
        let p = Prices::shipped();
        assert_eq!(p.instance("c5.large").unwrap().usd_per_hour, 0.085);
        assert_eq!(p.instance("m5.large").unwrap().memory_bytes, 8 << 30);
        let world = crate::world::WorldSpec::shipped();
        for pop in &world.pops {
            assert!(p.region(&pop.continent).is_ok(), "{}", pop.continent);
        }
    }

    #[test]
    fn the_cheapest_fitting_profile_is_chosen() {
        let p = Prices::shipped();
        let need = |cores, memory_gib: u64| Need {
            cores,
            memory_bytes: memory_gib << 30,
            store_bytes: 0,
        };
        // 2 cores and 8 GiB: c5.large has 4 GiB, r5.large costs more.
        assert_eq!(p.cheapest_fitting(need(2, 8)).unwrap().name, "m5.large");
        assert_eq!(p.cheapest_fitting(need(2, 2)).unwrap().name, "c5.large");
        let cache = Need {
            store_bytes: 500 << 30,
            ..Need::default()
        };
        assert_eq!(p.cheapest_fitting(cache).unwrap().name, "i3.xlarge");
        assert!(p.cheapest_fitting(need(1000, 1)).is_err());
        let small = p.choose(Some("c5.large"), need(4, 1)).unwrap_err();
        assert!(small.contains("too small"), "{small}");
    }

    #[test]
    fn a_bad_price_file_names_the_key_and_line() {
        let text = SHIPPED_PRICES_TOML.replace("usd_per_hour = 0.17\n", "usd_per_hour = -1.0\n");
        let e = Prices::parse("p.toml", &text).unwrap_err();
        assert_eq!(
            e.key.as_deref(),
            Some("instance.\"c5.xlarge\".usd_per_hour")
        );
        assert!(e.line.is_some(), "{e}");
        let text = SHIPPED_PRICES_TOML
            .replace("push_region = \"north-america\"", "push_region = \"mars\"");
        let e = Prices::parse("p.toml", &text).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("push_region"));
        let unknown = format!("{SHIPPED_PRICES_TOML}\n[bogus]\n");
        assert!(Prices::parse("p.toml", &unknown).is_err());
    }
}
