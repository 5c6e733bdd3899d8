using Intelligence.Profiles;
using Intelligence.Recommendations;
using Scalar.AspNetCore;
using Shared.ServiceDefaults;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults("Casino.Intelligence", ApiKeyMetrics.MeterName);
builder.AddRedisStore();
builder.AddApiKeyAuthentication();
builder.AddProfiles();
builder.AddRecommendations();
builder.Services.AddOpenApi(o => o.AddApiKeySecurity());

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapProfilesApi();
app.MapRecommendationsApi();

app.Run();
