using Ingestion;
using Ingestion.Adapters;
using Ingestion.Catalog;
using Ingestion.Events;
using Ingestion.Profiles;
using Ingestion.Store;
using Scalar.AspNetCore;
using Shared.ServiceDefaults;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(IngestionMetrics.MeterName, ApiKeyMetrics.MeterName);
builder.AddEmbeddedStore();
builder.AddRedisStore();
builder.AddApiKeyAuthentication();
builder.AddEvents();
builder.AddAdapters();
builder.Services.AddSingleton<CatalogStore>();
builder.Services.AddOpenApi(o => o.AddApiKeySecurity());

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapEventsApi();
app.MapCatalogApi();
app.MapPlayersApi();
app.MapAdapters();

app.Run();
