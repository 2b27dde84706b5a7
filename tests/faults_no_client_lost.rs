//! No client is lost: every client a fault disconnects is connected again by
//! the end of a run whose horizon allows it, whatever the fault, shutdown
//! strategy, backoff or transport, over several seeds. The model's own
//! end-of-run invariants (registry, gateway counts, message audit) hold too:
//! `run_push` fails otherwise.

mod faults_common;

use faults_common::{metric, params, run};

fn base(transport: &str, extra: &str) -> String {
    format!(
        r#"
        transport = "{transport}"
        clients = 20000
        gateways = {{ count = 5 }}
        connection = {{ lifetime = "600s", lifetime_jitter = "60s" }}
        producer = {{ rate = "200/s", offline_share = 0.05 }}
        {extra}
        "#
    )
}

/// Runs `text` over seeds 1..=3 and checks the invariant; returns the
/// clients affected in total.
fn check(name: &str, text: &str, horizon_s: u64) -> f64 {
    let p = params(text);
    let mut affected = 0.0;
    for seed in 1..=3 {
        let out = run(&p, seed, 100, horizon_s);
        let what = format!("{name}, seed {seed}");
        assert_eq!(
            metric(&out, "fault_clients_not_reconnected"),
            0.0,
            "{what}: clients lost"
        );
        assert_eq!(metric(&out, "clients_gave_up"), 0.0, "{what}");
        assert_eq!(metric(&out, "messages_duplicated"), 0.0, "{what}");
        assert_eq!(metric(&out, "messages_unaccounted"), 0.0, "{what}");
        affected += metric(&out, "fault_affected_clients");
    }
    affected
}

#[test]
fn crashes_lose_no_client() {
    let crash = r#"
        [[faults]]
        kind = "crash"
        gateway = 1
        at = "200s"
        restart_after = "30s"
        "#;
    for transport in ["websocket", "sse"] {
        let text = base(transport, crash);
        assert!(check(&format!("crash {transport}"), &text, 600) > 10_000.0);
    }
    let noticed_late = base(
        "websocket",
        r#"
        reconnect = { backoff = { policy = "decorrelated", base = "1s", cap = "30s" } }
        [[faults]]
        kind = "crash"
        gateway = 0
        at = "200s"
        notice = "ping"
        "#,
    );
    assert!(check("crash noticed by ping", &noticed_late, 900) > 10_000.0);
    // A gateway that crashed for good is skipped by a later rolling deploy.
    let crash_then_deploy = base(
        "websocket",
        r#"
        [[faults]]
        kind = "crash"
        gateway = 1
        at = "120s"
        [[faults]]
        kind = "rolling-deploy"
        at = "150s"
        boot = "10s"
        shutdown = { strategy = "slow", rate = "2000/s" }
        "#,
    );
    assert!(check("crash, then a rolling deploy", &crash_then_deploy, 600) > 10_000.0);
}

#[test]
fn random_crashes_under_admission_limits_lose_no_client() {
    let text = base(
        "websocket",
        r#"
        admission = { rate = "300/s", max_cpu_queue = 2000 }
        reconnect = { backoff = { policy = "equal-jitter", base = "500ms", cap = "20s" } }
        [[faults]]
        kind = "crash"
        mtbf = "300s"
        mttr = "20s"
        until = "700s"
        [[faults]]
        kind = "registry-slowdown"
        at = "250s"
        duration = "60s"
        factor = 50
        [[faults]]
        kind = "kafka-leader-loss"
        partition = 4
        at = "260s"
        duration = "20s"
        "#,
    );
    assert!(check("random crashes", &text, 1100) > 10_000.0);
}

#[test]
fn rolling_deploys_lose_no_client() {
    let strategies = [
        r#"{ strategy = "all-at-once" }"#,
        r#"{ strategy = "slow", rate = "1000/s" }"#,
        r#"{ strategy = "slow", share = 0.1, force_after = "5s" }"#,
        r#"{ strategy = "zuul" }"#,
        r#"{ strategy = "migrate", rate = "2000/s" }"#,
    ];
    for shutdown in strategies {
        let text = base(
            "websocket",
            &format!(
                r#"
                reconnect = {{ backoff = {{ policy = "full-jitter", base = "1s", cap = "30s" }} }}
                [[faults]]
                kind = "rolling-deploy"
                at = "150s"
                boot = "10s"
                shutdown = {shutdown}
                "#
            ),
        );
        let affected = check(shutdown, &text, 900);
        if shutdown.contains("migrate") {
            assert_eq!(affected, 0.0, "migration disconnects no one");
        } else {
            assert!(affected > 3.0 * 15_000.0, "{shutdown}: {affected}");
        }
    }
}
