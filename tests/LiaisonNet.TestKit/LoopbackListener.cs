using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LiaisonNet.TestKit;

/// <summary>
/// A socket listening on a loopback port the kernel chose (port 0), held for the whole life of a test system and handed
/// to each start of a service as a duplicate file descriptor. No port is ever picked, released and bound again, so no
/// other process can take it in between; a stopped service's port keeps queueing connections until it starts again.
/// </summary>
public sealed class LoopbackListener : IDisposable
{
    private const int DuplicateCloseOnExec = 1030; // F_DUPFD_CLOEXEC
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public LoopbackListener()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.Listen(512);
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>The same port, for a service that serves TLS on it.</summary>
    public string SecureUrl => $"https://127.0.0.1:{Port}";

    /// <summary>A duplicate for a server in this process, closed on exec so that no child process inherits it.</summary>
    public ulong HandleForThisProcess() => (ulong)Check(Fcntl((int)_socket.Handle, DuplicateCloseOnExec, 3));

    /// <summary>A duplicate that a child process started next inherits; close it here once the child has started.</summary>
    public int HandleForChild() => Check(Dup((int)_socket.Handle));

    public static void CloseHandle(int handle) => Check(Close(handle));

    public void Dispose() => _socket.Dispose();

    private static int Check(int result) =>
        result >= 0 ? result : throw new IOException($"A call on the listening socket failed (errno {Marshal.GetLastPInvokeError()}).");

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int fd, int command, int argument);

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
