using LiaisonNet.TestKit;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>One running system shared by the tests of a class.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    public RunningSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await RunningSystem.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}
