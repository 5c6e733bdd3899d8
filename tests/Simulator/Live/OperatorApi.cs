using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Shared.Contracts;
using Simulator.Population;

namespace Simulator.Live;

/// <summary>
/// What the operator's side serves to Ingestion's pull connectors: an aggregator's game list (with an ETag, answering
/// 304 to a matching If-None-Match) and the PAM's Fast Track-style operator API (user details, consents, blocks).
/// </summary>
public static class OperatorApi
{
    public const string GamesPath = "/aggregator/games";
    public const string PamPrefix = "/pam";

    public static void MapOperatorApi(this IEndpointRouteBuilder app, IReadOnlyList<Game> games, Func<string, PlayerSimulation?> players)
    {
        // run.sh waits for this, as for the services.
        app.MapGet("/health/ready", () => Results.Text("Healthy"));
        var body = JsonSerializer.SerializeToUtf8Bytes(games.ToList(), ContractsJsonContext.Default.ListGame);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}\"";
        app.MapGet(GamesPath, (HttpContext http) =>
        {
            http.Response.Headers.ETag = etag;
            return http.Request.Headers.IfNoneMatch.Contains(etag)
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Bytes(body, "application/json");
        });

        var pam = app.MapGroup(PamPrefix);
        pam.MapGet("/userdetails/{id}", (string id) => players(id) is { } sim
            ? Results.Json(Details(sim), FastTrackJson.Default.FtUserDetails)
            : Results.NotFound());
        pam.MapGet("/userconsents/{id}", (string id) => players(id) is { } sim
            ? Results.Json(new FtUserConsents([new(sim.State.EmailConsent, "email"), new(sim.State.SmsConsent, "sms"), new(true, "siteNotification")]),
                FastTrackJson.Default.FtUserConsents)
            : Results.NotFound());
        pam.MapGet("/userblocks/{id}", (string id) => players(id) is { } sim
            ? Results.Json(new FtUserBlocks(sim.State.SelfExcludedAt is null ? [] : [new(true, "Excluded")]), FastTrackJson.Default.FtUserBlocks)
            : Results.NotFound());
    }

    public static FtUserDetails Details(PlayerSimulation sim)
    {
        var p = sim.Player;
        var s = sim.State;
        static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return new FtUserDetails(p.Id, p.Country, p.Currency, p.Country, $"{p.BirthYear}-06-15", p.AffiliateId, p.Campaign,
            Iso(p.RegisteredAt), s.VerifiedAt is { } v ? Iso(v) : null, [], new FtSegmentation(s.VipTier), false,
            s.SelfExcludedAt is not null, "en", "sim");
    }
}
