using System.Globalization;
using BenchmarkDotNet.Running;
using LiaisonNet.Benchmarks;

// dotnet run -c Release --project tests/LiaisonNet.Benchmarks [-- quick] [--out FILE]
// dotnet run -c Release --project tests/LiaisonNet.Benchmarks -- micro [BenchmarkDotNet arguments]
// dotnet run -c Release --project tests/LiaisonNet.Benchmarks -- postgres     (only the relay on PostgreSQL against its baseline)
// dotnet run -c Release --project tests/LiaisonNet.Benchmarks -- isolation    (one officer floods, another's p99 against the same alone)
// dotnet run -c Release --project tests/LiaisonNet.Benchmarks -- topology     (sends and pushes: embedded host beside the scaled-out topology)
if (args.Length > 0 && args[0] == "micro")
{
    BenchmarkSwitcher.FromAssembly(typeof(Harness).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length > 0 && args[0] == "topology")
{
    var topology = new Report { Mode = "topology" };
    await Harness.TopologyAsync(HarnessOptions.Full, topology);
    Console.WriteLine();
    Console.WriteLine(topology.Table());
    return 0;
}

if (args.Length > 0 && args[0] == "isolation")
{
    var isolation = new Report { Mode = "isolation" };
    await Harness.IsolationAsync(HarnessOptions.Full, isolation);
    Console.WriteLine();
    Console.WriteLine(isolation.Table());
    return 0;
}

if (args.Length > 0 && args[0] == "postgres")
{
    var postgres = new Report { Mode = "postgres" };
    await Harness.PostgresAsync(HarnessOptions.Full, postgres);
    Console.WriteLine();
    Console.WriteLine(postgres.Table());
    return 0;
}

var quick = args.Contains("quick");
var outIndex = Array.IndexOf(args, "--out");
var output = outIndex >= 0 && outIndex + 1 < args.Length ? args[outIndex + 1] : Path.Combine("bench-results", quick ? "quick.json" : "latest.json");
var stopwatch = System.Diagnostics.Stopwatch.StartNew();
var report = await Harness.RunAsync(quick ? HarnessOptions.Quick : HarnessOptions.Full, quick ? "quick" : "full");
Console.WriteLine();
Console.WriteLine(report.Table());
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, report.ToJson());
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Written to {output} in {stopwatch.Elapsed.TotalSeconds:0} s."));
return 0;
