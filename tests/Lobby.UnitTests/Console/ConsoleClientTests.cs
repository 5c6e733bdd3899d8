using System.Net;
using System.Text;
using Lobby.Console;
using Microsoft.AspNetCore.Components.Authorization;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.Console.ConsoleTest;

namespace Lobby.UnitTests.Console;

public sealed class ConsoleClientTests : IDisposable
{
    private readonly List<HttpRequestMessage> _requests = [];
    private readonly List<string> _bodies = [];
    private HttpResponseMessage _response = new(HttpStatusCode.OK);
    private readonly FixedAuthentication _authentication = new();

    private ConsoleClient Api()
    {
        var factory = Substitute.For<IHttpClientFactory>();
        factory.CreateClient(ConsoleClient.HttpClientName).Returns(_ => new HttpClient(new Recorder(this)) { BaseAddress = new Uri("http://intelligence.test/") });
        return new ConsoleClient(factory, _authentication);
    }

    private sealed class Recorder(ConsoleClientTests test) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            test._requests.Add(request);
            test._bodies.Add(request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken));
            return test._response;
        }
    }

    [Fact]
    public async Task Call_CarriesTheSignedInMarketerAsActor()
    {
        _authentication.Principal = new ConsoleUser("maria", ConsoleRoles.Marketer).ToPrincipal();
        _response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"segmentId":"seg-1","items":[],"nextCursor":null,"total":0}""", Encoding.UTF8, "application/json") };

        var page = await Api().GetMembersAsync("seg 1", "c/2", 50, TestContext.Current.CancellationToken);

        var request = Assert.Single(_requests);
        Assert.Equal("maria", Assert.Single(request.Headers.GetValues(ApiHeaders.Actor)));
        Assert.Equal("http://intelligence.test/v1/segments/seg%201/players?limit=50&cursor=c%2F2", request.RequestUri!.AbsoluteUri);
        Assert.Equal(0, page.Total);
    }

    [Fact]
    public async Task Create_SendsTheRuleAsTheContractSpellsIt()
    {
        _authentication.Principal = new ConsoleUser("maria", ConsoleRoles.Marketer).ToPrincipal();
        _response = new HttpResponseMessage(HttpStatusCode.Created)
        {
            Content = new StringContent("""{"id":"seg-1","name":"VIPs","description":null,"purpose":"marketing","channel":null,"rule":{"all":[]},"version":1,"createdBy":"maria","createdAt":"2026-11-24T10:00:00Z","updatedBy":"maria","updatedAt":"2026-11-24T10:00:00Z","members":0}""", Encoding.UTF8, "application/json"),
        };
        var rule = new AllOf([new FieldCondition("country", "eq", System.Text.Json.JsonDocument.Parse("\"MT\"").RootElement)]);

        var saved = await Api().CreateSegmentAsync(new SegmentRequest("VIPs", null, "marketing", null, rule), TestContext.Current.CancellationToken);

        Assert.Equal(HttpMethod.Post, _requests[0].Method);
        Assert.Contains("""
            "rule":{"all":[{"field":"country","op":"eq","value":"MT"}]}
            """.Trim(), _bodies[0], StringComparison.Ordinal);
        Assert.Equal(1, saved.Version);
    }

    [Fact]
    public async Task ValidationProblem_BecomesErrorsByPath()
    {
        _authentication.Principal = new ConsoleUser("maria", ConsoleRoles.Marketer).ToPrincipal();
        _response = new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent("""{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":"One or more validation errors occurred.","status":400,"errors":{"rule.all[1].any[0].value":["must be a number"],"name":["is required"]}}""", Encoding.UTF8, "application/problem+json"),
        };

        var e = await Assert.ThrowsAsync<ConsoleClientException>(() => Api().PreviewAsync(new SegmentPreviewRequest(new AllOf([])), TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.BadRequest, e.Status);
        Assert.Equal(["must be a number"], e.Errors["rule.all[1].any[0].value"]);
        Assert.Equal(["is required"], e.Errors["name"]);
        Assert.Equal("One or more validation errors occurred.", e.Message);
    }

    [Fact]
    public async Task KeyWithoutTheScope_IsNamedInTheError()
    {
        _authentication.Principal = new ConsoleUser("maria", ConsoleRoles.Marketer).ToPrincipal();
        _response = new HttpResponseMessage(HttpStatusCode.Forbidden);

        var e = await Assert.ThrowsAsync<ConsoleClientException>(() => Api().ListSegmentsAsync(TestContext.Current.CancellationToken));

        Assert.Contains("segments:write", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NobodyWithARole_GetsNoData_AndIntelligenceIsNotAsked()
    {
        _authentication.Principal = new System.Security.Claims.ClaimsPrincipal(Lobby.Players.PlayerTokens.Identity("p-1", "Cookies"));

        await Assert.ThrowsAsync<ConsoleAccessDeniedException>(() => Api().ListSegmentsAsync(TestContext.Current.CancellationToken));
        Assert.Empty(_requests);
    }

    [Fact]
    public async Task TheCaseQueue_IsForTheSaferGamblingRoleOnly_AndThatRoleDrivesNoMarketing()
    {
        _authentication.Principal = new ConsoleUser("maria", ConsoleRoles.Marketer).ToPrincipal();
        await Assert.ThrowsAsync<ConsoleAccessDeniedException>(() => Api().ListHarmCasesAsync(TestContext.Current.CancellationToken));
        _authentication.Principal = new ConsoleUser("root", ConsoleRoles.Admin).ToPrincipal();
        await Assert.ThrowsAsync<ConsoleAccessDeniedException>(() => Api().GetHarmCaseAsync("p-1", TestContext.Current.CancellationToken));
        _authentication.Principal = new ConsoleUser("sam", ConsoleRoles.SaferGambling).ToPrincipal();
        await Assert.ThrowsAsync<ConsoleAccessDeniedException>(() => Api().ListSegmentsAsync(TestContext.Current.CancellationToken));
        Assert.Empty(_requests);

        _response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"items":[],"open":0}""", Encoding.UTF8, "application/json") };
        var cases = await Api().ListHarmCasesAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, cases.Open);
        Assert.Equal("sam", Assert.Single(_requests).Headers.GetValues(ApiHeaders.Actor).Single());
        Assert.Equal("/v1/harm/cases", _requests[0].RequestUri!.AbsolutePath);
    }

    public void Dispose()
    {
        _response.Dispose();
        foreach (var request in _requests) request.Dispose();
    }

    [Fact]
    public async Task UnknownSegment_IsNull()
    {
        _authentication.Principal = new ConsoleUser("maria", ConsoleRoles.Marketer).ToPrincipal();
        _response = new HttpResponseMessage(HttpStatusCode.NotFound);

        Assert.Null(await Api().GetSegmentAsync("nope", TestContext.Current.CancellationToken));
    }
}
