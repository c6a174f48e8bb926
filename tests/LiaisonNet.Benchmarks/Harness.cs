using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LiaisonNet.Client;
using LiaisonNet.Client.Audit;
using LiaisonNet.Client.Auth;
using LiaisonNet.Directory.Search;
using LiaisonNet.Directory.Seed;
using LiaisonNet.Gateway.Api;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.SignalR.Client;
using NodaTime;

namespace LiaisonNet.Benchmarks;

/// <summary>Sizes and durations of one run: the full run (under 5 minutes on 2 cores) or a tiny one for the smoke test.</summary>
public sealed record HarnessOptions(
    int DirectoryOfficers, int VerifyEntries, TimeSpan Phase, TimeSpan Sustained, int IdleConnections, int PushRate, int Concurrency)
{
    public static HarnessOptions Full { get; } = new(100_000, 1_000_000, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(60), 1000, 1000, 16);

    public static HarnessOptions Quick { get; } = new(2_000, 10_000, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 20, 100, 4);
}

/// <summary>
/// Measures LiaisonNet against baselines taken in the same run, so that the figures are ratios a noisy machine cannot
/// skew much: every service runs as the embedded default does (one process, SQLite), driven over loopback.
/// </summary>
public static class Harness
{
    public static async Task<Report> RunAsync(HarnessOptions options, string mode)
    {
        var report = new Report { Mode = mode };
        var scratch = Path.Combine(Environment.CurrentDirectory, "bench-data");

        Console.WriteLine("Baselines");
        var sha = Baselines.Sha256Nanoseconds(mode == "quick" ? 200_000 : 3_000_000);
        report.Add("baseline", "SHA-256 of 64 bytes", sha, "ns");
        var fsync = await Baselines.FsyncCommitsPerSecondAsync(scratch, options.Phase / 2);
        report.Add("baseline", "fsync'd single-row SQLite commits", fsync, "commits/s");
        var echo = await Baselines.GrpcEchoAsync(options.Concurrency, options.Phase);
        report.Add("baseline", "gRPC unary echo", echo.PerSecond, "requests/s");
        report.Add("baseline", "gRPC unary echo p99", echo.P99Ms, "ms");
        var signalR = await Baselines.SignalREchoAsync(options.PushRate, options.Phase);
        report.Add("baseline", $"SignalR echo p99 at {options.PushRate}/s", signalR.P99Ms, "ms");

        Console.WriteLine("Directory (in process)");
        var (officers, desks) = SyntheticDirectory.Generate(options.DirectoryOfficers, seed: 2026);
        var index = new DirectoryIndex();
        var build = Stopwatch.StartNew();
        index.Load(officers, desks, DemoDirectory.Places, DemoDirectory.Agencies, DemoDirectory.Units);
        report.Add("directory", $"index build, {options.DirectoryOfficers:N0} officers", build.Elapsed.TotalMilliseconds, "ms");
        var queries = TypoQueries(officers, 400, seed: 7);
        var inProcess = SearchInProcess(index, queries, options.Phase);
        report.Add("directory", "one-typo cross-script search p99 (in process)", inProcess.P99Ms, "ms", target: "< 5 ms", met: inProcess.P99Ms < 5);
        report.Add("directory", "one-typo cross-script searches (in process, 1 thread)", inProcess.PerSecond, "queries/s");
        // Synthetic names repeat (a few thousand name pairs for 100,000 officers): a query has found its officer when the
        // officer, or a namesake, is on the first page.
        var found = queries.Count(q =>
        {
            var target = index.Find(q.Id)!;
            return index.Search(q.Query, new SearchFilter(), SystemClock.Instance.GetCurrentInstant(), 20)
                .Any(h => h.Officer.Id == q.Id || h.Officer.LatinName == target.LatinName || h.Officer.NativeName == target.NativeName);
        });
        report.Add("directory", "typo queries that find their officer or a namesake", 100.0 * found / queries.Count, "%");

        Console.WriteLine("The running system");
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>
        {
            ["Directory:SyntheticOfficers"] = options.DirectoryOfficers.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Directory:SearchBurst"] = "1000000",
            ["Directory:SearchesPerSecond"] = "1000000",
            ["Logging:LogLevel:LiaisonNet"] = "Error",
        });
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        using var searcher = await system.ClientForUserAsync("asanov");

        // The cost of the front door alone: token validation and routing around a call that does no work.
        var authenticated = await Load.ClosedLoopAsync(options.Concurrency, options.Phase / 2, async (_, _) => await searcher.Audit.GetPublicKeyAsync(new GetPublicKeyRequest()));
        report.Add("baseline", "authenticated no-op over gRPC (token checked)", authenticated.PerSecond, "requests/s", "gRPC echo", authenticated.PerSecond / echo.PerSecond);

        var grpcSearch = await Load.ClosedLoopAsync(options.Concurrency, options.Phase, async (worker, n) =>
            await searcher.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = queries[(int)((worker * 7919 + n) % queries.Count)].Query }));
        report.Add("directory", "search over gRPC", grpcSearch.PerSecond, "requests/s", "gRPC echo", grpcSearch.PerSecond / echo.PerSecond);
        report.Add("directory", $"search over gRPC p99 at saturation ({options.Concurrency} callers)", grpcSearch.P99Ms, "ms");
        var searchRate = Math.Max(10, Math.Min(200, (int)(grpcSearch.PerSecond / 4)));
        var steadySearch = await Load.OpenLoopAsync(searchRate, options.Phase, async n =>
        {
            var start = Stopwatch.GetTimestamp();
            await searcher.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = queries[(int)(n % queries.Count)].Query });
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        });
        report.Add("directory", $"search over gRPC p99 at {searchRate}/s", steadySearch.P99Ms, "ms", target: "< 5 ms", met: steadySearch.P99Ms < 5);

        Console.WriteLine("Relay");
        var sends = await Load.ClosedLoopAsync(options.Concurrency, options.Phase, async (worker, n) =>
            await sender.Relay.SendMessageAsync(Message($"bench-{worker}-{n}-{Guid.NewGuid():n}")));
        report.Add("relay", "durable sends", sends.PerSecond, "sends/s", "gRPC echo", sends.PerSecond / echo.PerSecond, "≥ 0.5", sends.PerSecond / echo.PerSecond >= 0.5);
        report.Add("relay", "durable sends ÷ fsync'd commits", sends.PerSecond / fsync, "×", "fsync'd commits", sends.PerSecond / fsync, "≥ 10", sends.PerSecond / fsync >= 10);
        report.Add("relay", "durable send p99", sends.P99Ms, "ms");
        if (sends.Errors > 0)
        {
            report.Add("relay", "failed sends", sends.Errors, "sends");
        }

        var push = await PushLatencyAsync(() => system.GatewaySessionAsync("khodjaev"), () => system.ClientForUserAsync("khodjaev"), sender, options.PushRate, options.Phase);
        report.Add("relay", $"send-to-push p99 at {options.PushRate}/s", push.P99Ms, "ms", "SignalR echo p99", push.P99Ms / signalR.P99Ms, "≤ 2", push.P99Ms / signalR.P99Ms <= 2);
        report.Add("relay", "pushes received", 100.0 * push.Operations / Math.Max(1, push.Operations + push.Errors), "%");

        Console.WriteLine("Audit");
        var appends = await AppendsAsync(system, options);
        report.Add("audit", "appends", appends, "events/s", "relay sends/s", appends / sends.PerSecond, "≥ 1", appends >= sends.PerSecond);
        using var auditor = await system.ClientForUserAsync("omarova");
        var size = (await auditor.Audit.GetCheckpointAsync(new GetCheckpointRequest())).TreeSize;
        var random = new Random(11);
        var proofs = await Load.ClosedLoopAsync(1, options.Phase / 2, async (_, _) =>
            await auditor.Audit.GetInclusionProofAsync(new GetInclusionProofRequest { Index = random.NextInt64(size), TreeSize = size }));
        report.Add("audit", $"inclusion proof p99 over gRPC ({size:N0} entries)", proofs.P99Ms, "ms", target: "< 1 ms", met: proofs.P99Ms < 1);
        var verify = VerifyRate(options.VerifyEntries);
        var shaRate = 1e9 / sha;
        report.Add("audit", $"verify a {options.VerifyEntries:N0}-entry log (leaves and root)", verify.Seconds, "s");
        report.Add("audit", "verification rate", verify.EntriesPerSecond, "entries/s", "SHA-256 rate", verify.EntriesPerSecond / shaRate);

        await PostgresAsync(options, report);
        await IsolationAsync(options, report);

        Console.WriteLine("Memory and connections");
        var (before, after) = await SustainedMemoryAsync(sender, searcher, queries, options.Sustained);
        report.Add("memory", "working set before sustained load", before, "MB");
        report.Add("memory", $"working set after {options.Sustained.TotalSeconds:0} s of load", after, "MB", "before", after / before, "≤ 1.2 (flat)", after / before <= 1.2);
        var (connections, perConnection) = await IdleConnectionsAsync(system, options.IdleConnections);
        report.Add("connections", "idle SignalR connections held by one gateway", connections, "connections");
        report.Add("connections", "memory per idle connection", perConnection, "KB");

        try
        {
            System.IO.Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
            // Left for the next run to reuse.
        }

        return report;
    }

    /// <summary>
    /// The relay on a real PostgreSQL server: durable sends per second beside single-row committed inserts on the same
    /// server, measured in the same run (target: at least 10 ×, from group commit).
    /// </summary>
    public static async Task PostgresAsync(HarnessOptions options, Report report)
    {
        Console.WriteLine("Relay on PostgreSQL");
        await using var postgres = await PostgresServer.StartAsync();
        var commits = await Baselines.PostgresCommitsPerSecondAsync(postgres.ConnectionString(ServiceKind.Relay), options.Phase / 2);
        report.Add("baseline", "single-row committed inserts on PostgreSQL", commits, "commits/s");
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>(postgres.Settings)
        {
            ["Logging:LogLevel:LiaisonNet"] = "Error",
        });
        using var sender = await system.ClientForUserAsync("sattarkhanov");
        // The ceiling any call reaches on this machine: token validation and routing around a call that does no work.
        var noop = await Load.ClosedLoopAsync(options.Concurrency, options.Phase / 2, async (_, _) => await sender.Audit.GetPublicKeyAsync(new GetPublicKeyRequest()));
        report.Add("postgres", "authenticated no-op over gRPC (the front door's ceiling)", noop.PerSecond, "requests/s");
        var sends = await Load.ClosedLoopAsync(options.Concurrency * 4, options.Phase, async (worker, n) =>
            await sender.Relay.SendMessageAsync(Message($"bench-pg-{worker}-{n}-{Guid.NewGuid():n}")));
        report.Add("postgres", "durable sends", sends.PerSecond, "sends/s", "authenticated no-op", sends.PerSecond / noop.PerSecond);
        report.Add("postgres", "durable sends ÷ single-row commits", sends.PerSecond / commits, "×", "single-row commits", sends.PerSecond / commits, "≥ 10", sends.PerSecond / commits >= 10);
        report.Add("postgres", "durable send p99", sends.P99Ms, "ms");
        if (sends.Errors > 0)
        {
            report.Add("postgres", "failed sends", sends.Errors, "sends");
        }
    }

    /// <summary>
    /// One officer floods a system that has the limits as shipped (searches and sends from as many callers as the run's
    /// concurrency, live streams and hub connections opened until refused) while another officer searches and sends at
    /// a steady rate: the other officer's p99 under the flood, against the same measured alone just before.
    /// </summary>
    public static async Task IsolationAsync(HarnessOptions options, Report report)
    {
        Console.WriteLine("One officer's flood, another officer's latency");
        var shipped = new LiaisonNet.Relay.Messages.RelayOptions();
        static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var system = await RunningSystem.StartAsync(new Dictionary<string, string?>
        {
            // The shipped limits, not the load allowances the test kit gives its systems.
            ["Relay:SendBurst"] = Invariant(shipped.SendBurst),
            ["Relay:SendsPerSecond"] = Invariant(shipped.SendsPerSecond),
            ["Gateway:MaxHubConnectionsPerUser"] = Invariant(new LiaisonNet.Gateway.Auth.GatewayOptions().MaxHubConnectionsPerUser),
            ["Logging:LogLevel:LiaisonNet"] = "Error",
        });
        using var flooder = await system.ClientForUserAsync("sattarkhanov");
        using var officer = await system.ClientForUserAsync("khodjaev");
        using var session = await system.GatewaySessionAsync("sattarkhanov");

        // Within the officer's own allowance: 4 searches and 4 sends a second.
        async Task<double?> SteadyAsync(long n)
        {
            var start = Stopwatch.GetTimestamp();
            if (n % 2 == 0)
            {
                await officer.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = n % 4 == 0 ? "Sattarkhanov" : "Асанов" });
            }
            else
            {
                await officer.Relay.SendMessageAsync(new SendMessageRequest
                {
                    ClientMessageId = $"steady-{n}-{Guid.NewGuid():n}", ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine,
                    Subject = "Steady", Body = "A routine notification while another officer floods.",
                });
            }

            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        // Warmed up first: the first calls of a process pay for loading and compiling, which is not what is measured.
        for (var n = 0; n < 16; n++)
        {
            await SteadyAsync(n);
        }

        var alone = await Load.OpenLoopAsync(8, options.Phase * 2, SteadyAsync);

        using var stop = new CancellationTokenSource();
        long granted = 0, refused = 0, failed = 0;
        async Task FloodAsync(Func<Task> call)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await call();
                    Interlocked.Increment(ref granted);
                }
                catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
                {
                    Interlocked.Increment(ref refused);
                }
                catch (Grpc.Core.RpcException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        var streams = new List<Grpc.Core.AsyncServerStreamingCall<InboxItem>>();
        var hubs = new List<HubConnection>();
        var flood = Enumerable.Range(0, options.Concurrency).SelectMany(worker => new[]
        {
            Task.Run(() => FloodAsync(async () => await flooder.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = $"Ходжаев {worker}" }))),
            Task.Run(() => FloodAsync(async () => await flooder.Relay.SendMessageAsync(Message($"flood-{worker}-{Guid.NewGuid():n}")))),
        }).ToList();
        flood.Add(Task.Run(async () =>
        {
            // Streams and connections until refused, then held for the rest of the flood.
            for (var open = true; open && !stop.IsCancellationRequested;)
            {
                var call = flooder.Relay.Subscribe(new SubscribeRequest(), cancellationToken: stop.Token);
                try
                {
                    open = await call.ResponseStream.MoveNext(stop.Token);
                    streams.Add(call);
                }
                catch (Grpc.Core.RpcException)
                {
                    call.Dispose();
                    Interlocked.Increment(ref refused);
                    open = false;
                }
            }

            for (var open = true; open && !stop.IsCancellationRequested;)
            {
                var hub = session.InboxHub();
                var closed = new TaskCompletionSource();
                hub.Closed += _ =>
                {
                    closed.TrySetResult();
                    return Task.CompletedTask;
                };
                try
                {
                    await hub.StartAsync();
                    await hub.InvokeAsync("Subscribe", 0L);
                    hubs.Add(hub);
                }
                catch (Exception ex) when (ex is Microsoft.AspNetCore.SignalR.HubException or InvalidOperationException or IOException or TaskCanceledException)
                {
                    await hub.DisposeAsync();
                    Interlocked.Increment(ref refused);
                    open = false;
                }
            }
        }));

        // The flood runs a moment first, so that its burst allowances are spent when the measure starts.
        await Task.Delay(options.Phase / 4);
        var flooded = await Load.OpenLoopAsync(8, options.Phase * 2, SteadyAsync);
        await stop.CancelAsync();
        await Task.WhenAll(flood);
        foreach (var call in streams)
        {
            call.Dispose();
        }

        await Task.WhenAll(hubs.Select(h => h.DisposeAsync().AsTask()));

        report.Add("isolation", "another officer's p99 (8 searches and sends/s), alone", alone.P99Ms, "ms");
        var ratio = flooded.P99Ms / alone.P99Ms;
        report.Add("isolation", "the same officer's p99 while one officer floods", flooded.P99Ms, "ms", "alone", ratio, "≤ 3", ratio <= 3);
        report.Add("isolation", "the same officer's failed calls during the flood", flooded.Errors, "calls");
        report.Add("isolation", "the flood's calls refused as over its limits", 100.0 * refused / Math.Max(1, granted + refused + failed), "%");
        report.Add("isolation", "live streams and hub connections the flooder held", streams.Count + hubs.Count, "streams");
    }

    private static SendMessageRequest Message(string id) => new()
    {
        ClientMessageId = id,
        ActionRecipients = { "uz-cus-khodjaev" },
        Precedence = Precedence.Routine,
        Subject = "Benchmark",
        Body = "A routine notification of 64 characters, sent by the benchmark..",
    };

    /// <summary>Queries for random officers: a name in another script or spelling than the one that was asked for, with one typo.</summary>
    public static List<(string Query, string Id)> TypoQueries(IReadOnlyList<Directory.Model.OfficerRecord> officers, int count, int seed)
    {
        var random = new Random(seed);
        var queries = new List<(string, string)>(count);
        while (queries.Count < count)
        {
            var officer = officers[random.Next(officers.Count)];
            // Cross-script: the native (Cyrillic or Perso-Arabic) name answered by its Latin form and the other way round.
            var name = random.Next(2) == 0 ? officer.LatinName : officer.NativeName;
            var surname = name.Split(' ')[0];
            if (surname.Length < 6)
            {
                continue;
            }

            var chars = surname.ToCharArray();
            var at = 1 + random.Next(chars.Length - 2);
            chars[at] = chars[at] == 'a' || chars[at] == 'а' ? 'o' : 'a';
            queries.Add(($"{new string(chars)} {name.Split(' ')[1]}", officer.Id));
        }

        return queries;
    }

    private static LoadResult SearchInProcess(DirectoryIndex index, List<(string Query, string Id)> queries, TimeSpan duration)
    {
        var latencies = new List<double>();
        var now = SystemClock.Instance.GetCurrentInstant();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; stopwatch.Elapsed < duration; i++)
        {
            var start = Stopwatch.GetTimestamp();
            index.Search(queries[i % queries.Count].Query, new SearchFilter(), now, 20);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return Load.Summarise(latencies, 0, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The same two figures for the embedded host (on SQLite, then on PostgreSQL) and for the scaled-out topology (two
    /// instances of each service behind HAProxy, Redis, PostgreSQL): durable sends a second, and send-to-push p99 at a
    /// fixed rate, the sender going through the load balancer and the recipient's browser through it to either gateway.
    /// </summary>
    public static async Task TopologyAsync(HarnessOptions options, Report report)
    {
        const int PushRate = 100;
        async Task MeasureAsync(string mode, LiaisonClient sender, Func<Task<GatewaySession>> session, Func<Task<LiaisonClient>> reader)
        {
            var sends = await Load.ClosedLoopAsync(options.Concurrency * 4, options.Phase, async (worker, n) =>
                await sender.Relay.SendMessageAsync(Message($"bench-{mode}-{worker}-{n}-{Guid.NewGuid():n}")));
            report.Add(mode, "durable sends", sends.PerSecond, "sends/s");
            report.Add(mode, "durable send p99", sends.P99Ms, "ms");
            var push = await PushLatencyAsync(session, reader, sender, PushRate, options.Phase);
            report.Add(mode, $"send-to-push p99 at {PushRate}/s", push.P99Ms, "ms");
            report.Add(mode, "pushes received", 100.0 * push.Operations / Math.Max(1, push.Operations + push.Errors), "%");
        }

        Console.WriteLine("Embedded host, SQLite");
        await using (var embedded = await RunningSystem.StartAsync(new Dictionary<string, string?> { ["Liaison:Storage"] = "Sqlite", ["Logging:LogLevel:LiaisonNet"] = "Error" }))
        {
            using var sender = await embedded.ClientForUserAsync("sattarkhanov");
            await MeasureAsync("embedded-sqlite", sender, () => embedded.GatewaySessionAsync("khodjaev"), () => embedded.ClientForUserAsync("khodjaev"));
        }

        Console.WriteLine("Embedded host, PostgreSQL");
        await using (var postgres = await PostgresServer.StartAsync())
        await using (var embedded = await RunningSystem.StartAsync(new Dictionary<string, string?>(postgres.Settings) { ["Logging:LogLevel:LiaisonNet"] = "Error" }))
        {
            using var sender = await embedded.ClientForUserAsync("sattarkhanov");
            await MeasureAsync("embedded-postgres", sender, () => embedded.GatewaySessionAsync("khodjaev"), () => embedded.ClientForUserAsync("khodjaev"));
        }

        Console.WriteLine("Scaled-out topology");
        await using var topology = await Topology.StartAsync(new Dictionary<string, string?> { ["Logging:LogLevel:LiaisonNet"] = "Error" });
        using (var sender = await topology.ClientForUserAsync("sattarkhanov"))
        {
            await MeasureAsync("topology", sender, () => topology.GatewaySessionAsync("khodjaev"), () => topology.ClientForUserAsync("khodjaev"));
        }
    }

    /// <summary>Open loop at a fixed rate: from the send call to the recipient's SignalR client receiving the message.</summary>
    private static async Task<LoadResult> PushLatencyAsync(Func<Task<GatewaySession>> session, Func<Task<LiaisonClient>> reader, LiaisonClient sender, int perSecond,
        TimeSpan duration)
    {
        using var recipient = await session();
        var waiting = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource<long>>();
        await using var hub = recipient.InboxHub();
        hub.On<InboxItemDto>("MessageReceived", item =>
        {
            if (waiting.TryRemove(item.Subject, out var done))
            {
                done.TrySetResult(Stopwatch.GetTimestamp());
            }
        });
        await hub.StartAsync();
        // Subscribe after everything already in the inbox (the earlier phases sent thousands of messages to it).
        using var inbox = await reader();
        var cursor = 0L;
        while (true)
        {
            var page = await inbox.Relay.ListInboxAsync(new ListInboxRequest { AfterCursor = cursor, Limit = 200 });
            if (page.Items.Count == 0)
            {
                break;
            }

            cursor = page.NextCursor;
        }

        await hub.InvokeAsync("Subscribe", cursor);
        return await Load.OpenLoopAsync(perSecond, duration, async n =>
        {
            var subject = $"push-{n}-{Guid.NewGuid():n}";
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting[subject] = done;
            var start = Stopwatch.GetTimestamp();
            var request = Message(subject);
            request.Subject = subject;
            await sender.Relay.SendMessageAsync(request);
            var end = await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
        });
    }

    /// <summary>Appends in batches of 100 through gRPC with a service token: events stored per second.</summary>
    private static async Task<double> AppendsAsync(RunningSystem system, HarnessOptions options)
    {
        var secrets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(system.DataPath, "host-secrets.json"))).RootElement;
        using var http = new HttpClient();
        var tokens = new ClientCredentialsTokenSource(http, new Uri(system.Urls.Issuer, "connect/token"), "liaison-relay",
            secrets.GetProperty("RelayClientSecret").GetString()!, ["audit.append"]);
        using var service = new LiaisonClient(system.Endpoints, tokens);
        const int batch = 100;
        var result = await Load.ClosedLoopAsync(Math.Max(2, options.Concurrency / 4), options.Phase, async (worker, n) =>
        {
            var request = new AppendRequest();
            for (var i = 0; i < batch; i++)
            {
                request.Events.Add(new AuditEvent
                {
                    EventId = Guid.CreateVersion7().ToString(), OccurredAt = Timestamp.FromDateTime(DateTime.UtcNow), Actor = "bench", Action = "bench.appended",
                    ObjectType = "bench", ObjectId = $"bench-{worker}-{n}-{i}", Agencies = { "KZ-BS" }, Source = "liaison-benchmarks",
                    ContentHash = ByteString.CopyFrom(SHA256.HashData(Encoding.UTF8.GetBytes($"{worker}-{n}-{i}"))),
                });
            }

            await service.Audit.AppendAsync(request);
        });
        return result.PerSecond * batch;
    }

    /// <summary>Hashes every leaf of an n-entry log and its root, as the offline verifier does.</summary>
    private static (double Seconds, double EntriesPerSecond) VerifyRate(int entries)
    {
        var data = new byte[120];
        RandomNumberGenerator.Fill(data);
        var leaves = new byte[entries][];
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < entries; i++)
        {
            data[0] = (byte)i;
            data[1] = (byte)(i >> 8);
            data[2] = (byte)(i >> 16);
            leaves[i] = Merkle.LeafHash(data);
        }

        _ = Merkle.RootOf(leaves);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        return (seconds, entries / seconds);
    }

    private static async Task<(double Before, double After)> SustainedMemoryAsync(LiaisonClient sender, LiaisonClient searcher, List<(string Query, string Id)> queries, TimeSpan duration)
    {
        var before = Load.WorkingSetMb();
        await Load.ClosedLoopAsync(4, duration, async (worker, n) =>
        {
            if (worker % 2 == 0)
            {
                await sender.Relay.SendMessageAsync(Message($"sustained-{worker}-{n}-{Guid.NewGuid():n}"));
            }
            else
            {
                await searcher.Directory.SearchOfficersAsync(new SearchOfficersRequest { Query = queries[(int)(n % queries.Count)].Query });
            }
        });
        return (before, Load.WorkingSetMb());
    }

    private static async Task<(int Connections, double KilobytesEach)> IdleConnectionsAsync(RunningSystem system, int count)
    {
        using var session = await system.GatewaySessionAsync("rahimov");
        var before = Load.WorkingSetMb();
        var connections = new List<HubConnection>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var hub = session.InboxHub();
                await hub.StartAsync();
                await hub.InvokeAsync("Subscribe", 0L);
                connections.Add(hub);
            }

            await Task.Delay(1000);
            var after = Load.WorkingSetMb();
            return (connections.Count(c => c.State == HubConnectionState.Connected), (after - before) * 1024 / count);
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}
