using System.Net;
using System.Net.Sockets;

namespace Intelligence.Webhooks;

/// <summary>
/// Where a webhook may deliver. A marketer with <c>webhooks:write</c> chooses the URL, so without a check the service
/// would POST players' data to (and read the status of) anything it can reach: the cloud's metadata endpoint, the
/// store, an admin port on localhost. The address is checked when connecting, on the IP actually dialled, so a name
/// that resolved to a public address when the webhook was made and to 127.0.0.1 later (DNS rebinding) is refused too.
/// <c>Webhooks:AllowPrivateAddresses</c> lifts the check (on in Development, where the demo's CRM is on this machine).
/// </summary>
public static class ReceiverAddresses
{
    private static readonly IPAddress AzureMetadata = IPAddress.Parse("168.63.129.16");

    /// <summary>Why a webhook may not reach <paramref name="address"/>, or null when it may.</summary>
    public static string? WhyRefused(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return "loopback";
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b switch
            {
                [0, ..] => "unspecified",
                [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..] => "private",
                [169, 254, ..] => "link-local (cloud metadata)",
                [100, >= 64 and <= 127, ..] => "shared address space (carrier-grade NAT)",
                [>= 224, ..] => "multicast or reserved",
                _ when address.Equals(AzureMetadata) => "cloud metadata",
                _ => null,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            if (address.Equals(IPAddress.IPv6Any)) return "unspecified";
            if (address.IsIPv6LinkLocal) return "link-local";
            if (address.IsIPv6SiteLocal) return "site-local";
            if (address.IsIPv6Multicast) return "multicast";
            if ((b[0] & 0xFE) == 0xFC) return "unique local (private)";
            // NAT64 (64:ff9b::/96) carries an IPv4 address: judge that one.
            if (b is [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..]) return WhyRefused(new IPAddress(b[12..]));
            return null;
        }
        return "not an IP address";
    }

    /// <summary>Why a webhook URL's host is refused before anything is dialled (an IP literal or a local name), or null.</summary>
    public static string? WhyRefused(Uri url)
    {
        var host = url.IdnHost.TrimEnd('.');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)) return "loopback";
        return IPAddress.TryParse(host, out var literal) ? WhyRefused(literal) : null;
    }

    /// <summary>The deliveries' handler: no redirects, no cookies, and (unless allowed) only public addresses dialled.</summary>
    public static SocketsHttpHandler Handler(bool allowPrivate) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = allowPrivate ? null : ConnectPublicAsync,
    };

    private static async ValueTask<Stream> ConnectPublicAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        var refused = new List<string>();
        Exception? failed = null;
        foreach (var address in addresses)
        {
            if (WhyRefused(address) is { } why)
            {
                refused.Add($"{address} ({why})");
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                failed = e;
            }
        }
        if (failed is not null) throw failed;
        throw new HttpRequestException(
            $"refused to deliver to {host}: it resolves only to addresses a webhook may not reach: {string.Join(", ", refused)} (Webhooks:AllowPrivateAddresses)");
    }
}
