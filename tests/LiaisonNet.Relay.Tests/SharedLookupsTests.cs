using LiaisonNet.Relay.Recipients;

namespace LiaisonNet.Relay.Tests;

public sealed class SharedLookupsTests
{
    [Fact]
    public async Task AThousandConcurrentAsksForOneKeyMakeOneCall()
    {
        var lookups = new SharedLookups<string>();
        var release = new TaskCompletionSource();
        var calls = 0;
        async Task<string> Lookup()
        {
            Interlocked.Increment(ref calls);
            await release.Task;
            return "tj-dca";
        }

        // Asked from many threads while the first call is still under way.
        var asks = new Task<string>[1000];
        Parallel.For(0, asks.Length, i => asks[i] = lookups.GetAsync("tj-dca-rahimov", Lookup, CancellationToken.None));
        Assert.Equal(1, lookups.InFlight);
        release.SetResult();

        Assert.All(await Task.WhenAll(asks), agency => Assert.Equal("tj-dca", agency));
        Assert.Equal(1, calls);
        Assert.Equal(0, lookups.InFlight);
    }

    [Fact]
    public async Task AFailedCallReachesEveryoneWaitingAndTheNextAskCallsAgain()
    {
        var lookups = new SharedLookups<string>();
        var release = new TaskCompletionSource<string>();
        var first = lookups.GetAsync("kg-bs-asanov", () => release.Task, CancellationToken.None);
        var second = lookups.GetAsync("kg-bs-asanov", () => Task.FromResult("never asked"), CancellationToken.None);
        release.SetException(new InvalidOperationException("directory down"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
        Assert.Equal("kg-bs", await lookups.GetAsync("kg-bs-asanov", () => Task.FromResult("kg-bs"), CancellationToken.None));
    }

    [Fact]
    public async Task OneCallerGivingUpDoesNotCancelTheOthers()
    {
        var lookups = new SharedLookups<string>();
        var release = new TaskCompletionSource<string>();
        using var impatient = new CancellationTokenSource();
        var gaveUp = lookups.GetAsync("uz-cus-khodjaev", () => release.Task, impatient.Token);
        var waits = lookups.GetAsync("uz-cus-khodjaev", () => Task.FromResult("never asked"), CancellationToken.None);

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        release.SetResult("uz-cus");
        Assert.Equal("uz-cus", await waits);
    }
}
