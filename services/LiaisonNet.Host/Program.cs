using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Hosting;

try
{
    await using var system = await EmbeddedHost.StartAsync(args);
    system.PrintWelcome(Console.Out);
    await system.WaitForShutdownAsync();
}
catch (Exception ex) when (ServiceMain.IsSettingProblem(ex))
{
    // A setting to fix, not a defect: say which, without a stack trace.
    Console.Error.WriteLine($"LiaisonNet did not start: {ex.Message}");
    return 1;
}

return 0;
