//! `cutover sandbox --traffic N`: N requests a second from synthetic users, answered like any
//! other (routed to the canary by its weight, faulted, counted in `/metrics`), so that a
//! metric gate has traffic to judge in a rehearsal with no real users. They are routed by
//! their own count: the drill's own checks see the canary exactly as they did without them.

use std::sync::Arc;
use std::time::Duration;

use super::app::Request;
use super::server::{Shared, answer_measured};

/// What the synthetic users ask: the health endpoint, as a load balancer and a status page do.
const PATH: &str = "/api/health";

pub(crate) async fn synthetic_users(shared: Arc<Shared>, per_second: u32) {
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second.max(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let shared = shared.clone();
        // Each request on its own task: a slow answer delays nobody else.
        tokio::spawn(async move {
            let request = Request {
                method: "GET".into(),
                path: PATH.into(),
                ..Request::default()
            };
            answer_measured(&request, &shared, true).await;
        });
    }
}
