using System.Net;
using System.Net.Sockets;

namespace RetailTrace.Webhooks;

/// <summary>
/// Where deliveries may go. An endpoint URL must be https and must not name a private, loopback,
/// link-local (cloud metadata) or otherwise non-public address; a host name is checked again at every
/// connection, after DNS resolution, and the connection goes to the address that was checked, so a name
/// that later resolves inward (DNS rebinding) is refused too. <c>Webhooks:AllowPrivateTargets=true</c> lifts
/// both rules for development and tests.
/// </summary>
public static class WebhookTargets
{
    public const int MaxUrlLength = 2000;
    public const string InvalidUrl = "Enter a valid URL.";
    public const string HttpsOnly = "The URL must use https.";
    public const string PrivateAddress = "The URL must not point to a private, loopback or link-local address.";

    /// <summary>Why <paramref name="url"/> cannot be an endpoint, or null.</summary>
    public static string? Problem(string url, bool allowPrivate)
    {
        if (url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
            || uri.UserInfo.Length > 0 || uri.Host.Length == 0 || uri.Fragment.Length > 0)
            return InvalidUrl;
        if (allowPrivate) return null;
        if (uri.Scheme != "https") return HttpsOnly;
        if (uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && !IsPublic(IPAddress.Parse(uri.IdnHost.Trim('[', ']'))))
            return PrivateAddress;
        if (uri.IsLoopback || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) || !uri.Host.Contains('.'))
            return PrivateAddress;
        return null;
    }

    /// <summary>True for addresses on the public internet: not loopback, private (RFC 1918, unique local), link-local
    /// (169.254/16 holds the cloud metadata services), shared (100.64/10), unspecified, multicast, reserved or documentation ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] is 0 or 10 or 127 or >= 224
                || (b[0] == 100 && b[1] is >= 64 and <= 127)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)
                || (b[0] == 198 && b[1] is 18 or 19)
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        var v6 = address.GetAddressBytes();
        // NAT64 (64:ff9b::/96) carries an IPv4 address that decides.
        if (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xff && v6[3] == 0x9b && v6.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            return IsPublic(new IPAddress(v6.AsSpan(12, 4)));
        return !(address.Equals(IPAddress.IPv6Loopback) || address.Equals(IPAddress.IPv6None)
            || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal
            || (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0d && v6[3] == 0xb8) // documentation
            || v6.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0); // ::/80: unspecified, IPv4-compatible
    }

    /// <summary>Thrown by the connect callback when a target resolves to an address deliveries may not reach.</summary>
    public sealed class RefusedException(string message) : Exception(message);

    /// <summary>
    /// The delivery client's connection step: resolves the host, refuses it when any of its addresses is not
    /// public (unless allowed), and connects to the first address that answers, which is one that was checked.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(bool allowPrivate) => async (context, ct) =>
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
        if (addresses.Length == 0) throw new RefusedException($"{host} has no address.");
        if (!allowPrivate && addresses.FirstOrDefault(a => !IsPublic(a)) is { } inward)
            throw new RefusedException($"{host} resolves to {inward}, which is not a public address.");
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    };
}
