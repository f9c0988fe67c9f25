//! Structured logs, pretty for people and JSON for collectors (`RUST_LOG` refines the level),
//! and, when `otlp_endpoint` is set, the same spans as OpenTelemetry traces over OTLP/HTTP.

use std::io::IsTerminal;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::{Resource, propagation::TraceContextPropagator, trace::SdkTracerProvider};
use tracing_subscriber::{
    EnvFilter, Layer, filter::filter_fn, fmt, prelude::*, registry::LookupSpan,
};

use crate::config::{Config, LogFormat};

/// Exports the spans that are still queued when dropped (at the end of the process).
#[must_use = "dropping it ends the export of traces"]
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.traces.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("exporting the last traces: {error}");
        }
    }
}

/// Installs the global subscriber once (later calls, in tests, change nothing): logs in the
/// configured format, and traces when `otlp_endpoint` is set.
pub fn init(config: &Config) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let (traces, provider) = match &config.otlp_endpoint {
        Some(endpoint) => {
            let provider = tracer_provider(endpoint)?;
            // Spans only: log events (an access line names an ad-hoc operation as its caller
            // wrote it) stay in the log.
            let layer = tracing_opentelemetry::layer()
                .with_tracer(provider.tracer("shouhu"))
                .with_filter(filter_fn(|metadata| metadata.is_span()));
            (Some(layer), Some(provider))
        }
        None => (None, None),
    };
    let _already_set = tracing_subscriber::registry()
        .with(filter)
        .with(logs(config.log_format))
        .with(traces)
        .try_init();
    Ok(Telemetry { traces: provider })
}

fn logs<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    match format {
        LogFormat::Pretty => fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    }
}

/// Batches spans to the collector at `endpoint` (its base address: `/v1/traces` is added), and
/// reads and writes W3C `traceparent` headers.
fn tracer_provider(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    anyhow::ensure!(
        endpoint.starts_with("http://"),
        "otlp_endpoint {endpoint}: the exporter speaks OTLP over plain HTTP to a collector \
         beside the service (a sidecar or the node's agent), which forwards it on over TLS"
    );
    let base = endpoint.trim_end_matches('/');
    let url = if base.ends_with("/v1/traces") {
        base.to_owned()
    } else {
        format!("{base}/v1/traces")
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .build()
        .map_err(|e| anyhow::anyhow!("the OTLP exporter to {endpoint}: {e}"))?;
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(env!("CARGO_PKG_NAME"))
                .build(),
        )
        .build())
}
