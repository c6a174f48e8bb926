using System.Net;
using System.Net.Sockets;

namespace LiaisonNet.TestKit;

/// <summary>
/// A network between a client and an HTTP/2 (gRPC) server that, once armed, loses the server's next answer: it passes
/// every byte both ways until the server starts a response (its first HEADERS frame on a stream), then drops that
/// frame and closes both connections. The server has done the work by then; the client never hears of it. This is
/// the fault at the edge that a retried request must survive.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private const byte HeadersFrame = 0x1;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly TaskCompletionSource _cut = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    public CuttingProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Completes when an answer has been lost.</summary>
    public Task Cut => _cut.Task;

    /// <summary>Loses the next answer the server starts.</summary>
    public void Arm() => Volatile.Write(ref _armed, 1);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        using var server = new TcpClient();
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            await server.ConnectAsync(_upstream.Host, _upstream.Port, connection.Token);
            var up = client.GetStream().CopyToAsync(server.GetStream(), connection.Token);
            var down = DownAsync(server.GetStream(), client.GetStream(), connection.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            await connection.CancelAsync();
        }
    }

    /// <summary>The server's bytes, frame by frame (after the server's preface, which is itself a frame).</summary>
    private async Task DownAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var header = new byte[9];
        var buffer = new byte[64 * 1024];
        while (true)
        {
            await from.ReadExactlyAsync(header, cancellationToken);
            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var stream = ((header[5] & 0x7f) << 24) | (header[6] << 16) | (header[7] << 8) | header[8];
            var payload = length <= buffer.Length ? buffer : new byte[length];
            await from.ReadExactlyAsync(payload.AsMemory(0, length), cancellationToken);
            if (header[3] == HeadersFrame && stream != 0 && Interlocked.Exchange(ref _armed, 0) == 1)
            {
                _cut.TrySetResult();
                return;
            }

            await to.WriteAsync(header, cancellationToken);
            await to.WriteAsync(payload.AsMemory(0, length), cancellationToken);
            await to.FlushAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
