using Ingestion;
using Ingestion.Adapters;
using Ingestion.Adapters.FastTrack;
using Ingestion.Adapters.Hub88;
using Ingestion.Adapters.Onfido;
using Ingestion.Adapters.Praxis;
using Ingestion.Adapters.Sumsub;
using Ingestion.Adapters.Trustly;
using Ingestion.Catalog;
using Ingestion.Commands;
using Ingestion.Connectors.Catalog;
using Ingestion.Connectors.RabbitMq;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Feeds;
using Ingestion.Players;
using Ingestion.Profiles;
using Ingestion.Reconciliation;
using Ingestion.Store;
using Scalar.AspNetCore;
using Shared.ServiceDefaults;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

// `dotnet Ingestion.dll backfill …` and `… deadletters …` are operator commands; anything else starts the service.
if (IngestionCommands.IsCommand(args)) return await IngestionCommands.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(IngestionMetrics.MeterName, ApiKeyMetrics.MeterName);
builder.AddEmbeddedStore();
builder.AddRedisStore();
builder.AddApiKeyAuthentication();
builder.AddEvents();
builder.AddCatalog();
builder.AddReconciliation();
builder.AddFeedStats();
builder.AddIngestionGauges();
// Vendor formats and connectors, one line each (adding a vendor: its adapter, its registration, a line here); their
// routes are mapped by MapAdapters below.
builder.AddFastTrack();
builder.AddHub88();
builder.AddPraxis();
builder.AddTrustly();
builder.AddSumsub();
builder.AddOnfido();
builder.AddCatalogFeed();
builder.AddRabbitMqConsumer();
builder.Services.AddOpenApi(o => o.AddApiKeySecurity().AddDocumentDefaults(IngestionApiTags.Descriptions));

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapEventsApi();
app.MapDeadLettersApi();
app.MapCatalogApi();
app.MapPlayersApi();
app.MapReconciliationApi();
app.MapFeedsApi();
app.MapAdapters();

await app.RunAsync();
return 0;
