using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Storage;

/// <summary>
/// Says that a service is running on its data folder: a shared lock on <c>in-use.lock</c> there, held from start to
/// stop by every instance (any number of them at once), which a restore asks for alone and so cannot take while any
/// instance runs. The operating system frees it when its holder exits or dies.
/// </summary>
public sealed class DataFolderInUse(IOptions<LiaisonOptions> options, ServiceKind kind) : IHostedService, IDisposable
{
    public const string FileName = "in-use.lock";

    private FileStream? _lock;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.Value.DataFolderFor(kind.DataFolderName()), FileName);
        // Read access with sharing: a shared lock, which other instances share and an exclusive claim is refused.
        _lock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _lock?.Dispose();
        _lock = null;
    }

    /// <summary>
    /// Claims <paramref name="folder"/> (a service's data folder) for this process alone, or returns null when a service
    /// is running on it. A folder that does not exist is free.
    /// </summary>
    public static IDisposable? ClaimAlone(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return Stream.Null;
        }

        try
        {
            return new FileStream(Path.Combine(folder, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
