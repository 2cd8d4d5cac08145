using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RetailTrace.Common;

/// <summary>
/// Metrics and traces through OpenTelemetry, on only when something reads them:
/// <list type="bullet">
/// <item><c>Metrics:Prometheus=true</c> (on in the demo) serves every metric at <c>GET /metrics</c> in the Prometheus text format;</item>
/// <item><c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the standard OpenTelemetry setting, with its <c>OTEL_EXPORTER_OTLP_*</c>
/// companions) sends metrics, traces and logs over OTLP.</item>
/// </list>
/// Metrics: ASP.NET Core and Kestrel (<c>http.server.request.duration</c> …), HttpClient, the .NET runtime, Npgsql's
/// connection pool and <see cref="RetailTraceMetrics"/>. Traces: requests, HttpClient calls and EF Core commands on
/// either database. URL query strings are redacted by the instrumentation, so signed links never leave in a span.
/// </summary>
public static class Telemetry
{
    public const string PrometheusSetting = "Metrics:Prometheus";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static WebApplicationBuilder AddRetailTraceTelemetry(this WebApplicationBuilder builder)
    {
        var prometheus = builder.Configuration.GetValue(PrometheusSetting, false);
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]);
        if (!prometheus && !otlp) return builder;

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("retailtrace"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddMeter("System.Runtime", "Npgsql", RetailTraceMetrics.MeterName);
                if (prometheus) metrics.AddPrometheusExporter();
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddEntityFrameworkCoreInstrumentation());
            telemetry.UseOtlpExporter();
        }
        return builder;
    }

    /// <summary><c>GET /metrics</c> when <c>Metrics:Prometheus</c> is on. Like the probes, it is not rate limited and asks for
    /// no credentials: serve it to the scraper's network only.</summary>
    public static WebApplication MapRetailTraceMetrics(this WebApplication app)
    {
        if (app.Configuration.GetValue(PrometheusSetting, false))
            app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting().ExcludeFromDescription();
        return app;
    }
}
