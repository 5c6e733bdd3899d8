using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Webhooks;

public static class WebhooksApi
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 1024;
    public const int MaxUrlLength = 2048;
    public const int MaxDeadLetterLimit = 1_000;

    /// <summary>Webhook subscriptions, the publisher, the outbox and its delivery worker (section <c>Webhooks</c>).</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.MaxDelay >= o.InitialDelay, "Webhooks:MaxDelay must be at least Webhooks:InitialDelay")
            .Validate(o => o.Lease >= 2 * o.BatchBudget,
                "Webhooks:Lease must be at least twice the longest batch: 2 x Webhooks:Timeout x ceil(Webhooks:BatchSize / Webhooks:Parallelism)")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddSingleton(sp => WebhookSecrets.FromConfiguration(
            sp.GetRequiredService<IConfiguration>()[WebhookSecrets.Setting], sp.GetRequiredService<IHostEnvironment>().IsProduction()));
        builder.Services.AddSingleton<WebhookSubscriptions>();
        builder.Services.AddSingleton<WebhookOutbox>();
        builder.Services.AddSingleton<PlayerMarketing>();
        builder.Services.AddSingleton<IWebhookPublisher, WebhookPublisher>();
        builder.Services.AddSingleton<Scoring.IScoreObserver, BandChangeWebhooks>();
        builder.Services.AddHostedService<WebhookDeliveryWorker>();
        builder.Services.AddSingleton<OpsAlertRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OpsAlertRelay>());
        builder.Services.AddHttpClient(WebhookDeliveryWorker.HttpClientName, http =>
            {
                // Each attempt has its own limit, Webhooks:Timeout; HttpClient's 100 s would only get in the way.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.ParseAdd("CasinoIntelligence-Webhooks/1.0");
            })
            // A receiver that redirects is misconfigured: report it rather than post a player's data elsewhere. Only public
            // addresses are dialled unless allowed (ReceiverAddresses).
            .ConfigurePrimaryHttpMessageHandler(sp => ReceiverAddresses.Handler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateAddresses == true));
        var development = builder.Environment.IsDevelopment();
        var production = builder.Environment.IsProduction();
        builder.Services.PostConfigure<WebhookOptions>(o =>
        {
            o.AllowPrivateAddresses ??= development;
            o.RequireHttps ??= production;
        });
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, WebhookJsonContext.Default));
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        var events = string.Join(", ", WebhookEventTypes.All.Select(e => $"`{e}`"));
        var webhooks = app.MapGroup("/v1/webhooks").RequireAuthorization(Scopes.WebhooksWrite).WithTags("Webhooks");

        webhooks.MapPost("/", CreateAsync)
            .WithName("CreateWebhook")
            .WithSummary("Register a CRM webhook")
            .WithDescription($"`url` is an absolute http(s) URL; `events` lists one or more of {events}; `secret` (at least {MinSecretLength} characters) " +
                $"signs every delivery: `{WebhookSignature.Header}: sha256=<hex HMAC-SHA256 of the raw body>`. The secret is never returned. " +
                "Events of players who may not be marketed to (self-excluded, cooling off, blocked, or without marketing consent) are never delivered.");
        webhooks.MapGet("/", ListAsync)
            .WithName("ListWebhooks")
            .WithSummary("The registered webhooks, oldest first");
        webhooks.MapGet("/{id}", GetAsync)
            .WithName("GetWebhook")
            .WithSummary("One registered webhook")
            .ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteWebhook")
            .WithSummary("Remove a webhook")
            .WithDescription("Deliveries still waiting for it, including retries, are dropped; its dead letters are discarded on replay.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapGet("/deadletters", DeadLettersAsync)
            .WithName("ListWebhookDeadLetters")
            .WithSummary("Deliveries that ran out of attempts, newest first")
            .WithDescription($"Each with its attempts and the receiver's last status and error. `limit` is 1 to {MaxDeadLetterLimit} (default 100); " +
                "`webhookId` keeps one webhook's. Fix the receiver, then replay them.");
        webhooks.MapPost("/deadletters/replay", ReplayAsync)
            .WithName("ReplayWebhookDeadLetters")
            .WithSummary("Put dead letters back in the outbox")
            .WithDescription("Without a body, or without `ids`, replays every dead letter (of `webhookId` when given). Each is due at once with a fresh " +
                "set of attempts and the same event id and body; those of deleted webhooks are discarded.");
        return app;
    }

    internal static async Task<Results<Created<Webhook>, ValidationProblem>> CreateAsync(
        CreateWebhookRequest request, WebhookSubscriptions store, TimeProvider clock, IOptions<WebhookOptions> options)
    {
        var errors = Validate(request, options.Value);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The webhook is not valid");
        var now = clock.GetUtcNow();
        var subscription = new WebhookSubscription("wh_" + Guid.CreateVersion7(now).ToString("n"), request.Url!,
            request.Events!.Distinct(StringComparer.Ordinal).ToList(), request.Secret!, now);
        await store.AddAsync(subscription);
        return TypedResults.Created($"/v1/webhooks/{subscription.Id}", subscription.ToWebhook());
    }

    internal static async Task<Ok<WebhookList>> ListAsync(WebhookSubscriptions store) =>
        TypedResults.Ok(new WebhookList((await store.ListAsync()).Select(s => s.ToWebhook()).ToList()));

    internal static async Task<Results<Ok<Webhook>, ProblemHttpResult>> GetAsync(string id, WebhookSubscriptions store) =>
        await store.GetAsync(id) is { } subscription ? TypedResults.Ok(subscription.ToWebhook()) : UnknownWebhook(id);

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, WebhookSubscriptions store) =>
        await store.RemoveAsync(id) ? TypedResults.NoContent() : UnknownWebhook(id);

    internal static async Task<Results<Ok<WebhookDeadLetterPage>, ValidationProblem>> DeadLettersAsync(
        WebhookOutbox outbox, int limit = 100, string? webhookId = null)
    {
        if (limit is < 1 or > MaxDeadLetterLimit)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["limit"] = [$"limit must be from 1 to {MaxDeadLetterLimit}."] }, title: "Bad query");
        }
        return TypedResults.Ok(await outbox.DeadLettersAsync(limit, string.IsNullOrEmpty(webhookId) ? null : webhookId));
    }

    internal static async Task<Ok<WebhookReplayResult>> ReplayAsync(
        WebhookOutbox outbox, WebhookSubscriptions store, ReplayWebhookDeadLettersRequest? request = null) =>
        TypedResults.Ok(await outbox.ReplayAsync(request?.Ids, string.IsNullOrEmpty(request?.WebhookId) ? null : request.WebhookId, store));

    /// <summary>Problems by field name (<c>url</c>, <c>events</c>, <c>events[1]</c>, <c>secret</c>); empty when valid.</summary>
    internal static Dictionary<string, string[]> Validate(CreateWebhookRequest request, WebhookOptions? options = null)
    {
        options ??= new WebhookOptions();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Url))
        {
            errors["url"] = ["url is required: the absolute http(s) URL deliveries are POSTed to."];
        }
        else if (request.Url.Length > MaxUrlLength
            || !Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors["url"] = [$"url must be an absolute http or https URL of at most {MaxUrlLength} characters, e.g. https://crm.example.com/hooks/casino."];
        }
        else if (options.RequireHttps == true && url.Scheme != "https")
        {
            errors["url"] = ["url must be https here (Webhooks:RequireHttps): deliveries carry players' data."];
        }
        else if (options.AllowPrivateAddresses != true && ReceiverAddresses.WhyRefused(url) is { } why)
        {
            errors["url"] = [$"url must reach a public address; {url.Host} is {why} (Webhooks:AllowPrivateAddresses)."];
        }

        if (request.Events is not { Count: > 0 })
        {
            errors["events"] = [$"events must list at least one event type: {string.Join(", ", WebhookEventTypes.All)}."];
        }
        else
        {
            for (var i = 0; i < request.Events.Count; i++)
            {
                if (!WebhookEventTypes.IsKnown(request.Events[i]))
                {
                    errors[$"events[{i}]"] = [$"'{request.Events[i]}' is not an event type; use one of {string.Join(", ", WebhookEventTypes.All)}."];
                }
            }
        }

        if (string.IsNullOrEmpty(request.Secret))
        {
            errors["secret"] = [$"secret is required: at least {MinSecretLength} characters, used to sign every delivery."];
        }
        else if (request.Secret.Length is < MinSecretLength or > MaxSecretLength)
        {
            errors["secret"] = [$"secret must be from {MinSecretLength} to {MaxSecretLength} characters long (it has {request.Secret.Length})."];
        }
        return errors;
    }

    private static ProblemHttpResult UnknownWebhook(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown webhook",
            detail: $"No webhook with id '{id}' is registered. GET /v1/webhooks lists the registered ones.");
}
