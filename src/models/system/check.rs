//! Every check of `[system]`, against the parts it couples: each problem
//! with its key (relative to the experiment file) and what was expected.

use super::defaults::{MAX_CAMPAIGNS, MAX_NOTIFICATIONS, MAX_OBJECTS};
use super::params::{CampaignParams, SystemParams};
use crate::models::cdn::CdnPoint;
use crate::models::push::PushPoint;
use crate::world::World;

/// A problem: the full key path and what was expected.
pub type Invalid = (String, String);

/// Checks `p` against the prepared parts; the first problem comes back.
pub fn check(
    p: &SystemParams,
    cdn: Option<&CdnPoint>,
    push: Option<&PushPoint>,
) -> Result<(), Invalid> {
    if cdn.is_none() && push.is_none() {
        return Err((
            "system".into(),
            "a system needs a [cdn] part, a [push] part or both".into(),
        ));
    }
    if p.campaign.len() > MAX_CAMPAIGNS {
        return Err((
            "system.campaign".into(),
            format!(
                "at most {MAX_CAMPAIGNS} campaigns, not {}",
                p.campaign.len()
            ),
        ));
    }
    if p.campaign.is_empty() {
        return Ok(());
    }
    let (Some(cdn), Some(push)) = (cdn, push) else {
        return Err((
            "system.campaign".into(),
            "a campaign notifies push clients who fetch from the CDN: it needs both [cdn] and [push]"
                .into(),
        ));
    };
    let Some(world) = push.world() else {
        return Err((
            "push.clusters".into(),
            "a campaign notifies users by region: [push] needs [[push.clusters]] on the world"
                .into(),
        ));
    };
    if push.params().world != cdn.params().world {
        return Err((
            "push.world".into(),
            "the push part must stand in the same world file as the CDN part (cdn.world)".into(),
        ));
    }
    let clients = push.params().clients.0 as f64;
    let expected: f64 = p.campaign.iter().map(|c| c.share * clients).sum();
    if expected > MAX_NOTIFICATIONS {
        return Err((
            "system.campaign".into(),
            format!(
                "the campaigns would send about {expected:.0} notifications ({clients:.0} push clients times their shares); at most {MAX_NOTIFICATIONS:.0}"
            ),
        ));
    }
    for (i, c) in p.campaign.iter().enumerate() {
        campaign(c, world)
            .map_err(|(key, message)| (format!("system.campaign[{i}].{key}"), message))?;
    }
    Ok(())
}

fn campaign(c: &CampaignParams, world: &World) -> Result<(), (String, String)> {
    let bad = |key: &str, message: String| Err((key.to_string(), message));
    if !(c.share > 0.0 && c.share <= 1.0) {
        return bad("share", format!("a share in (0, 1], not {}", c.share));
    }
    if !(1..=MAX_OBJECTS).contains(&c.objects) {
        return bad(
            "objects",
            format!("1 to {MAX_OBJECTS} objects, not {}", c.objects),
        );
    }
    if let Err(e) = c.think.compile() {
        return bad(&format!("think.{}", e.key), e.message);
    }
    if c.prewarm.0 > c.at.0 {
        return bad(
            "prewarm",
            format!(
                "at most the campaign's start `at` ({} s), not {} s",
                c.at.0.as_secs_f64(),
                c.prewarm.0.as_secs_f64()
            ),
        );
    }
    for (j, name) in c.regions.iter().enumerate() {
        if world.region_by_name(name).is_none() {
            let names: Vec<String> = world
                .regions()
                .map(|r| world.region(r).name.clone())
                .collect();
            return bad(
                &format!("regions[{j}]"),
                crate::world::unknown_name("region", name, names.iter()),
            );
        }
    }
    if let Some(name) = &c.name
        && (name.is_empty()
            || !name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_'))
    {
        return bad(
            "name",
            format!("letters, digits, '-' or '_' (it names metrics), not \"{name}\""),
        );
    }
    Ok(())
}
