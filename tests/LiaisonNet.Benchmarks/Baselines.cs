using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using LiaisonNet.Benchmarks.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using LiaisonNet.ServiceDefaults.Storage;
using Microsoft.Data.Sqlite;

namespace LiaisonNet.Benchmarks;

/// <summary>What the machine does with no LiaisonNet in the way, measured in the same run as everything else.</summary>
public static class Baselines
{
    /// <summary>Nanoseconds per SHA-256 of 64 bytes.</summary>
    public static double Sha256Nanoseconds(int iterations)
    {
        Span<byte> input = stackalloc byte[64];
        Span<byte> output = stackalloc byte[32];
        RandomNumberGenerator.Fill(input);
        for (var i = 0; i < 10_000; i++)
        {
            SHA256.HashData(input, output);
        }

        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            SHA256.HashData(input, output);
            input[0] = output[0];
        }

        return stopwatch.Elapsed.TotalNanoseconds / iterations;
    }

    /// <summary>Single-row SQLite commits per second with the services' durability settings (WAL, synchronous=FULL) in <paramref name="folder"/>.</summary>
    public static async Task<double> FsyncCommitsPerSecondAsync(string folder, TimeSpan duration)
    {
        System.IO.Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "fsync-baseline.db");
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=false"))
        {
            await connection.OpenAsync();
            await using var setup = connection.CreateCommand();
            setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v BLOB);";
            await setup.ExecuteNonQueryAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO t(v) VALUES ($v)";
            insert.Parameters.AddWithValue("$v", new byte[200]);
            var commits = 0;
            var stopwatch = Stopwatch.StartNew();
            while (stopwatch.Elapsed < duration)
            {
                await using var transaction = connection.BeginTransaction();
                insert.Transaction = transaction;
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
                commits++;
            }

            var result = commits / stopwatch.Elapsed.TotalSeconds;
            SqliteConnection.ClearAllPools();
            File.Delete(path);
            return result;
        }
    }

    /// <summary>Single-row committed inserts per second on a PostgreSQL server (synchronous_commit=on, as the services write), one connection.</summary>
    public static async Task<double> PostgresCommitsPerSecondAsync(string connectionString, TimeSpan duration)
    {
        await using var database = new PostgresDatabase(connectionString, "baseline");
        await using var connection = await database.OpenAsync();
        await using (var setup = connection.Command("CREATE TABLE IF NOT EXISTS commit_baseline(id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v BYTEA)"))
        {
            await setup.ExecuteNonQueryAsync();
        }

        var commits = 0;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < duration)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var insert = connection.Command("INSERT INTO commit_baseline(v) VALUES (@v)", transaction, ("@v", new byte[200]));
            await insert.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
            commits++;
        }

        var result = commits / stopwatch.Elapsed.TotalSeconds;
        await using var drop = connection.Command("DROP TABLE commit_baseline");
        await drop.ExecuteNonQueryAsync();
        return result;
    }

    /// <summary>A bare gRPC unary echo on cleartext HTTP/2 over loopback, as the services listen.</summary>
    public static async Task<LoadResult> GrpcEchoAsync(int concurrency, TimeSpan duration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        await using var app = builder.Build();
        app.MapGrpcService<EchoServer>();
        await app.StartAsync();

        using var channel = GrpcChannel.ForAddress(BoundAddress(app));
        var client = new EchoService.EchoServiceClient(channel);
        var payload = new EchoMessage { Payload = ByteString.CopyFrom(new byte[64]) };
        await client.EchoAsync(payload);
        var result = await Load.ClosedLoopAsync(concurrency, duration, async (_, _) => await client.EchoAsync(payload));
        await app.StopAsync();
        return result;
    }

    /// <summary>A bare SignalR hub echo at a fixed rate, its round-trip latency.</summary>
    public static async Task<LoadResult> SignalREchoAsync(int perSecond, TimeSpan duration)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Services.AddSignalR();
        await using var app = builder.Build();
        app.MapHub<EchoHub>("/echo");
        await app.StartAsync();

        await using var connection = new HubConnectionBuilder().WithUrl($"{BoundAddress(app)}/echo").Build();
        await connection.StartAsync();
        await connection.InvokeAsync<long>("Echo", 0L);
        var result = await Load.OpenLoopAsync(perSecond, duration, async n =>
        {
            var start = Stopwatch.GetTimestamp();
            await connection.InvokeAsync<long>("Echo", n);
            return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        });
        await app.StopAsync();
        return result;
    }

    /// <summary>The address the server bound (it chose the port: nothing is picked and bound later).</summary>
    private static string BoundAddress(WebApplication app) => app.Urls.First();

    private sealed class EchoServer : EchoService.EchoServiceBase
    {
        public override Task<EchoMessage> Echo(EchoMessage request, ServerCallContext context) => Task.FromResult(request);
    }

    private sealed class EchoHub : Hub
    {
        public long Echo(long value) => value;
    }
}
