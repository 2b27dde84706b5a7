//! Every model reports `cost_per_hour` and its parts, and the figures come
//! from the price file: a copy of `models/prices.toml` with every instance
//! price doubled (`[prices] file`) doubles every model's compute bill and
//! leaves what it does not price (egress, requests) as it was.

use std::path::Path;

use edgesim::experiment::{self, runner};
use edgesim::prices::SHIPPED_PRICES_TOML;

/// One small experiment per model: (name, the model's part of the file).
const MODELS: [(&str, &str); 4] = [
    (
        "queue",
        "[queue]\narrival_rate = \"2/s\"\nservers = 3\nservice = { dist = \"exponential\", mean = \"1s\" }\n",
    ),
    (
        "occ",
        "[occ]\nclients = 10\nstrategy = \"full-jitter\"\nbase = \"5ms\"\ncap = \"2000ms\"\nhop_mean = \"10ms\"\nhop_sd = \"2ms\"\n",
    ),
    (
        "cdn",
        "[cdn]\nrequest_rate = \"200/s\"\npops = [\"Frankfurt am Main\"]\nregions = [\"Berlin\", \"Vienna\"]\n",
    ),
    (
        "push",
        "[push]\ntransport = \"websocket\"\nclients = 2000\n[push.gateways]\ncount = 3\n",
    ),
];

/// The shipped prices with every `usd_per_hour` doubled.
fn doubled() -> String {
    SHIPPED_PRICES_TOML
        .lines()
        .map(|line| match line.strip_prefix("usd_per_hour = ") {
            Some(v) => format!("usd_per_hour = {}", v.trim().parse::<f64>().unwrap() * 2.0),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The cost metrics of replication 0 of `model`, priced from `prices`.
fn costs(model: &str, body: &str, prices: Option<&Path>) -> [f64; 4] {
    let priced = prices.map_or(String::new(), |p| {
        format!("[prices]\nfile = \"{}\"\n", p.display())
    });
    let text = format!(
        "schema = 1\nname = \"c\"\nmodel = \"{model}\"\n[run]\nseed = 3\nduration = \"60s\"\nwarmup = \"10s\"\n{priced}{body}"
    );
    let exp = experiment::load_text(Path::new("c.toml"), &text, &[]).unwrap();
    let record = runner::run_one(&exp, &exp.plan()[0], None).unwrap();
    let get = |m: &str| {
        record
            .output
            .get(m)
            .unwrap_or_else(|| panic!("{model} reports no {m}"))
    };
    [
        get("cost_per_hour"),
        get("cost_compute_per_hour"),
        get("cost_egress_per_hour"),
        get("cost_requests_per_hour"),
    ]
}

#[test]
fn every_model_reports_its_cost_from_the_price_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doubled.toml");
    std::fs::write(&file, doubled()).unwrap();
    for (model, body) in MODELS {
        let [total, compute, egress, requests] = costs(model, body, None);
        assert!(compute > 0.0, "{model}: compute {compute}");
        assert!(
            (total - (compute + egress + requests)).abs() < 1e-9,
            "{model}: {total} is not the sum of its parts"
        );
        let [total2, compute2, egress2, requests2] = costs(model, body, Some(&file));
        assert!(
            (compute2 - 2.0 * compute).abs() < 1e-9 * compute,
            "{model}: compute {compute} -> {compute2} with doubled instance prices"
        );
        assert_eq!(egress2, egress, "{model}");
        assert_eq!(requests2, requests, "{model}");
        assert!(
            (total2 - (compute2 + egress2 + requests2)).abs() < 1e-9,
            "{model}"
        );
    }
}
