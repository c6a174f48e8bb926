using LiaisonNet.Host;
using LiaisonNet.ServiceDefaults.Hosting;

try
{
    if (args is ["settings", .. var options])
    {
        // What services started one by one (infra/local/topology.sh) need to form one system with this data folder.
        EmbeddedHost.PrintSettings(options, Console.Out);
        return 0;
    }

    if (args is ["migrate", .. var rest])
    {
        await EmbeddedHost.MigrateAsync(rest, Console.Out);
        return 0;
    }

    if (args is ["backup" or "restore", ..])
    {
        // An online backup of every service's data and keys, or its restore onto stopped services.
        return await SystemBackup.RunAsync(args[0], args[1..], Console.Out, Console.Error);
    }

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
