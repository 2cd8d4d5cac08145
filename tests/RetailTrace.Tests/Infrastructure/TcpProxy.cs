using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RetailTrace.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder in front of a server, to stage an outage: <see cref="Cut"/> drops every open
/// connection and refuses new ones, as a database host that went away; <see cref="Restore"/> accepts again on the same port.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;

    public TcpProxy(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host), port);
        Restore(0);
    }

    public int Port { get; private set; }

    public void Cut()
    {
        _listener?.Stop();
        _listener = null;
        foreach (var socket in _open.Keys) socket.Dispose();
        _open.Clear();
    }

    public void Restore() => Restore(Port);

    private void Restore(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptSocketAsync();
                var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await server.ConnectAsync(_target);
                _open[client] = 0;
                _open[server] = 0;
                _ = PipeAsync(client, server);
                _ = PipeAsync(server, client);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { } // stopped by Cut
    }

    private static async Task PipeAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0) await to.SendAsync(buffer.AsMemory(0, read));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _accepting;
    }
}
