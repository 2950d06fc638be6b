//! Prometheus metrics: requests by route and status, latency histogram, index size.
//! Hand-written text exposition (a few atomics and one mutex-guarded map) instead of a
//! metrics crate: the format is small and fixed, and it keeps the dependency tree lean.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Collected metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    bucket_counts: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
}

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        let secs = elapsed.as_secs_f64();
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.bucket_counts[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition; `index` is (documents, passages) when loaded.
    pub fn render(&self, index: Option<(usize, usize)>, uptime: Duration) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP belegt_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE belegt_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            for ((method, route, status), n) in map.iter() {
                out.push_str(&format!(
                    "belegt_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}\n"
                ));
            }
        }
        out.push_str("# HELP belegt_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE belegt_http_request_duration_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            out.push_str(&format!(
                "belegt_http_request_duration_seconds_bucket{{le=\"{le}\"}} {}\n",
                self.bucket_counts[i].load(Ordering::Relaxed)
            ));
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        out.push_str(&format!(
            "belegt_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!(
            "belegt_http_request_duration_seconds_sum {}\n",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        ));
        out.push_str(&format!(
            "belegt_http_request_duration_seconds_count {count}\n"
        ));
        out.push_str("# HELP belegt_index_ready 1 when the index is loaded.\n# TYPE belegt_index_ready gauge\n");
        out.push_str(&format!(
            "belegt_index_ready {}\n",
            u8::from(index.is_some())
        ));
        if let Some((docs, passages)) = index {
            out.push_str("# HELP belegt_index_documents Documents in the index.\n# TYPE belegt_index_documents gauge\n");
            out.push_str(&format!("belegt_index_documents {docs}\n"));
            out.push_str("# HELP belegt_index_passages Passages in the index.\n# TYPE belegt_index_passages gauge\n");
            out.push_str(&format!("belegt_index_passages {passages}\n"));
        }
        out.push_str("# HELP belegt_uptime_seconds Seconds since start.\n# TYPE belegt_uptime_seconds gauge\n");
        out.push_str(&format!(
            "belegt_uptime_seconds {:.0}\n",
            uptime.as_secs_f64()
        ));
        out
    }
}
