using Intelligence;
using Intelligence.Affiliates;
using Intelligence.Commands;
using Intelligence.Experiments;
using Intelligence.Insights;
using Intelligence.Models;
using Intelligence.Placements;
using Intelligence.Profiles;
using Intelligence.Recommendations;
using Intelligence.SaferGambling;
using Intelligence.Scoring;
using Intelligence.Segments;
using Intelligence.Training;
using Intelligence.Webhooks;
using Scalar.AspNetCore;
using Shared.ServiceDefaults;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

if (IntelligenceCommands.IsCommand(args)) return await IntelligenceCommands.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("Casino.Intelligence", ApiKeyMetrics.MeterName, ScoringMetrics.MeterName, WebhookMetrics.MeterName, SegmentMetrics.MeterName,
    ModelPromotionAge.ModelsMeterName);
builder.AddRedisStore();
builder.AddApiKeyAuthentication();
builder.AddProfiles();
builder.AddSaferGambling();
builder.AddModels();
builder.AddScoring();
builder.AddTraining();
builder.AddWebhooks();
builder.AddRecommendations();
builder.AddSegments();
builder.AddPlacements();
builder.AddCompliance();
builder.AddExperiments();
builder.AddAffiliates();
builder.Services.AddOpenApi(o => o.AddApiKeySecurity().AddDocumentDefaults(IntelligenceApiTags.Descriptions));

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapProfilesApi();
app.MapScoresApi();
app.MapHarmCasesApi();
app.MapModelsApi();
app.MapTrainingApi();
app.MapWebhooksApi();
app.MapRecommendationsApi();
app.MapSegmentsApi();
app.MapPlacementsApi();
app.MapInsightsApi();
app.MapExperimentsApi();
app.MapAffiliatesApi();

await app.RunAsync();
return 0;
