using LiaisonNet.ServiceDefaults.ScaleOut;

namespace LiaisonNet.Directory.Storage;

/// <summary>
/// Keeps this instance's search index in step with changes other directory instances commit: woken by their signal
/// (through Redis when scaled out), and looking for itself every few seconds as well, every second while signals may be
/// lost, so an instance that missed signals catches up from the change sequence.
/// </summary>
public sealed class DirectoryFollower : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan PollWhileSignalsDown = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly DirectoryStore _store;
    private readonly IInstanceSignals _signals;
    private readonly ILogger<DirectoryFollower> _logger;

    public DirectoryFollower(DirectoryStore store, IInstanceSignals signals, ILogger<DirectoryFollower> logger)
    {
        _store = store;
        _signals = signals;
        _logger = logger;
        signals.Subscribe(DirectoryStore.ChangedSignal, _ => Wake());
        signals.Restored += Wake;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_signals.Reliable ? Poll : PollWhileSignalsDown, stoppingToken);
                while (await _store.CatchUpAsync(stoppingToken) > 0)
                {
                    // More may have come meanwhile, or the page was full: read on until nothing is new.
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (System.Data.Common.DbException ex)
            {
                _logger.LogWarning("Following directory changes paused: {Error}", ex.Message);
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }
}
