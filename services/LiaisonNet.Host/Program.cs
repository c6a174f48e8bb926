using LiaisonNet.Host;

await using var system = await EmbeddedHost.StartAsync(args);
system.PrintWelcome(Console.Out);
await system.WaitForShutdownAsync();
