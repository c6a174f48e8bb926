using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// Property-based tests (FsCheck) of every way in: each gRPC request type, each route of the gateway's JSON API and the
/// officer import, fed random, oversized, malformed and hostile values by an account of each kind. The answer is always
/// definite (a refusal naming the reason, or success), never Internal, Unknown, a 500 or a hang; an import that is not
/// applied changes nothing; and no log line carries a line break or an escape sequence from the input.
/// </summary>
public sealed class FuzzTests(SystemFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SystemFixture>
{
    private const int CasesPerMethod = 30;
    private const int CasesPerRoute = 40;

    /// <summary>
    /// The answers a caller can act on (Aborted: the version given is not the stored one, read again). Anything else
    /// (Internal, Unknown, Unavailable, DeadlineExceeded...) is a defect here.
    /// </summary>
    private static readonly HashSet<StatusCode> Definite =
    [
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.PermissionDenied,
        StatusCode.FailedPrecondition, StatusCode.Aborted, StatusCode.ResourceExhausted, StatusCode.OutOfRange,
    ];

    private RunningSystem System => fixture.System;

    [Fact]
    public async Task EveryRequestTypeFilledWithHostileValuesGetsADefiniteAnswer()
    {
        var callers = new[] { await System.AccessTokenForUserAsync("abenov"), await System.AccessTokenForUserAsync("sattarkhanov") };
        var started = DateTimeOffset.UtcNow;
        var answers = new ConcurrentDictionary<StatusCode, int>();
        var slowest = new List<(string Method, TimeSpan Took)>();
        var methods = 0;
        await Task.Run(() =>
        {
            foreach (var (service, address) in BadInputTests.Services)
            {
                using var channel = GrpcChannel.ForAddress(address(System), new GrpcChannelOptions { MaxReceiveMessageSize = 16 * 1024 * 1024 });
                foreach (var method in service.Methods)
                {
                    methods++;
                    var watch = global::System.Diagnostics.Stopwatch.StartNew();
                    var cases = Hostile.Encoded(method.InputType).SelectMany(request => Gen.Choose(0, callers.Length - 1).Select(caller => (Request: request, Caller: caller)));
                    Prop.ForAll(cases.ToArbitrary(), c =>
                    {
                        // A stream that was accepted counts as answered after a moment.
                        var (status, detail) = BadInputTests.CallAsync(channel, method, c.Request, callers[c.Caller], TimeSpan.FromMilliseconds(300)).GetAwaiter().GetResult();
                        answers.AddOrUpdate(status, 1, (_, n) => n + 1);
                        Assert.True(Definite.Contains(status), $"{method.FullName} answered {status} \"{detail}\" to {c.Request.Length} bytes: {Convert.ToHexString(c.Request.AsSpan(0, Math.Min(c.Request.Length, 200)))}");
                        Assert.True(detail.Length < 2_000, $"{method.FullName}: a {detail.Length}-character status message");
                        return true;
                    }).Check(Config.QuickThrowOnFailure.WithMaxTest(CasesPerMethod).WithQuietOnSuccess(true));
                    slowest.Add((method.FullName, watch.Elapsed));
                }
            }
        });

        var tried = answers.Values.Sum();
        output.WriteLine($"{tried} requests to {methods} methods: {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key} {a.Value}"))}");
        output.WriteLine($"slowest: {string.Join(", ", slowest.OrderByDescending(s => s.Took).Take(5).Select(s => $"{s.Method} {s.Took.TotalSeconds:F1} s"))}");
        Assert.Equal(methods * CasesPerMethod, tried);
        Assert.True(answers.GetValueOrDefault(StatusCode.InvalidArgument) > tried / 4, "Most hostile requests should be refused as invalid.");
        AssertCleanLogs(started);
    }

    [Fact]
    public async Task EveryRouteOfTheJsonApiAnswersHostileBodiesAndPathsWithAProblemNeverA500()
    {
        using var admin = await System.GatewaySessionAsync("abenov");
        using var officer = await System.GatewaySessionAsync("sattarkhanov");
        var started = DateTimeOffset.UtcNow;
        var routes = System.RoutesOf(ServiceKind.Gateway).OfType<RouteEndpoint>()
            .Where(r => r.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(r => (r.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (Method: m, Pattern: r.RoutePattern.RawText!)))
            .Distinct().ToList();
        var answers = new ConcurrentDictionary<int, int>();
        await Task.Run(() =>
        {
            foreach (var (method, pattern) in routes)
            {
                var cases = Gen.Zip(Gen.Zip(Path(pattern), Body()), Gen.Choose(0, 1));
                Prop.ForAll(cases.ToArbitrary(), c =>
                {
                    var ((path, body), who) = c;
                    using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
                    if (method != "GET" && body is not null)
                    {
                        request.Content = new ByteArrayContent(body);
                        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                    }

                    using var response = (who == 0 ? admin : officer).Http.SendAsync(request).GetAwaiter().GetResult();
                    var status = (int)response.StatusCode;
                    answers.AddOrUpdate(status, 1, (_, n) => n + 1);
                    Assert.True(status < 500, $"{method} {Shorten(path)} answered {status} to {Preview(body)}; the services logged: {string.Join(" | ", System.Logs.Since(started).Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Category}: {e.Message} {e.Exception?.GetType().Name} {e.Exception?.Message}"))}");
                    // A 400 is a ProblemDetails, unless the HTTP server itself refused the request line (an empty answer, such as
                    // Kestrel's to a %00 in the path) before the application saw it.
                    var answer = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                    if (status == 400 && answer.Length > 0)
                    {
                        var type = response.Content.Headers.ContentType?.MediaType;
                        Assert.True(type == "application/problem+json", $"{method} {Shorten(path)} answered 400 as {type}: {Shorten(answer)} to {Preview(body)}");
                    }

                    return true;
                }).Check(Config.QuickThrowOnFailure.WithMaxTest(CasesPerRoute).WithQuietOnSuccess(true));
            }
        });

        var tried = answers.Values.Sum();
        output.WriteLine($"{tried} requests to {routes.Count} routes: {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"HTTP {a.Key} {a.Value}"))}");
        Assert.Equal(routes.Count * CasesPerRoute, tried);
        AssertCleanLogs(started);
    }

    [Fact]
    public async Task AnImportOfHostileRowsIsRefusedRowByRowAndChangesNothingUnlessApplied()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var answers = new ConcurrentDictionary<string, int>();
        var started = DateTimeOffset.UtcNow;
        await Task.Run(() =>
        {
            var cases = Gen.Zip(Gen.Elements(DataFormat.Csv, DataFormat.Json), Gen.Elements(true, false)).SelectMany(f => ImportFile(f.Item1).Select(content => (Format: f.Item1, DryRun: f.Item2, Content: content)));
            Prop.ForAll(cases.ToArbitrary(), c =>
            {
                var before = admin.DirectoryAdmin.ExportOfficers(new ExportOfficersRequest { Format = DataFormat.Json }).Content;
                string outcome;
                try
                {
                    var result = admin.DirectoryAdmin.ImportOfficers(new ImportOfficersRequest { Format = c.Format, DryRun = c.DryRun, Content = ByteString.CopyFrom(c.Content) });
                    Assert.True(result.Errors.Count == 0 || !result.Applied, "An import with row errors was applied.");
                    Assert.All(result.Errors, e => Assert.True(e.Line >= 1 && e.Message.Length is > 0 and < 1_000, $"row error at line {e.Line}: '{e.Message}'"));
                    outcome = result.Applied ? "applied" : result.Errors.Count > 0 ? "row errors" : "dry run";
                    if (!result.Applied)
                    {
                        Assert.Equal(before, admin.DirectoryAdmin.ExportOfficers(new ExportOfficersRequest { Format = DataFormat.Json }).Content);
                    }
                }
                catch (RpcException ex) when (Definite.Contains(ex.StatusCode))
                {
                    outcome = ex.StatusCode.ToString();
                    Assert.Equal(before, admin.DirectoryAdmin.ExportOfficers(new ExportOfficersRequest { Format = DataFormat.Json }).Content);
                }

                answers.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                return true;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(150).WithQuietOnSuccess(true));
        });

        output.WriteLine($"{answers.Values.Sum()} imports: {string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key} {a.Value}"))}");
        Assert.True(answers.GetValueOrDefault("row errors") > 0);
        AssertCleanLogs(started);
    }

    /// <summary>Nothing the input carried reaches a log line as a line break or a terminal escape; nothing failed as an error.</summary>
    private void AssertCleanLogs(DateTimeOffset since)
    {
        var logged = System.Logs.Since(since);
        Assert.DoesNotContain(logged, e => e.Level >= LogLevel.Error);
        var dirty = logged.Where(e => e.Message.Any(c => char.IsControl(c) && c != '\t') || e.Message.Contains('\u2028') || e.Message.Contains('\u0085')).ToList();
        Assert.True(dirty.Count == 0, $"{dirty.Count} log lines carry control characters, the first: {dirty.FirstOrDefault()?.Category}: {JsonSerializer.Serialize(dirty.FirstOrDefault()?.Message)}");
    }

    /// <summary>The route with each {parameter} replaced by a hostile value, escaped as a browser would, and a hostile query.</summary>
    private static Gen<string> Path(string pattern) =>
        Gen.CollectToArray(Enumerable.Range(0, pattern.Count(c => c == '{')).Select(_ => Hostile.Text())).SelectMany(values =>
            Hostile.Text().Select(query =>
            {
                var path = new StringBuilder();
                var next = 0;
                for (var i = 0; i < pattern.Length; i++)
                {
                    if (pattern[i] == '{')
                    {
                        var end = pattern.IndexOf('}', i);
                        path.Append(Escape(values[next++]));
                        i = end;
                    }
                    else
                    {
                        path.Append(pattern[i]);
                    }
                }

                return $"{path}?q={Escape(query)}&limit={Escape(query)}&after={Escape(query)}";
            }));

    private static string Escape(string value)
    {
        var escaped = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value.Length > 2_000 ? value[..2_000] : value))
        {
            escaped.Append(b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' ? ((char)b).ToString() : $"%{b:X2}");
        }

        return escaped.Length == 0 ? "%20" : escaped.ToString();
    }

    private static readonly string[] Keys =
    [
        "clientMessageId", "recipients", "infoRecipients", "precedence", "subject", "body", "handlingCode", "handlingText", "evaluation", "caseReference",
        "code", "reason", "decision", "format", "content", "dryRun", "userName", "displayName", "roles", "desks", "name", "timeZone", "contacts", "shifts",
    ];

    /// <summary>A JSON body: an object of known and unknown keys with values of any type, a value that is no object, garbage, or nothing.</summary>
    private static Gen<byte[]?> Body() => Gen.Frequency(
        (6, JsonValue(0, objectOnly: true).Select(v => (byte[]?)Encoding.UTF8.GetBytes(v))),
        (1, JsonValue(0, objectOnly: false).Select(v => (byte[]?)Encoding.UTF8.GetBytes(v))),
        (1, Gen.Elements<byte[]?>(null, [], "{"u8.ToArray(), "{\"subject\":"u8.ToArray(), [0xff, 0xfe, 0x7b, 0x7d], Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)),
            "{\"subject\":\"\\ud800\"}"u8.ToArray(), "{\"subject\":\"a\",\"subject\":\"b\"}"u8.ToArray())));

    private static Gen<string> JsonValue(int depth, bool objectOnly)
    {
        var scalar = Gen.OneOf(
            Hostile.Text().Select(s => JsonSerializer.Serialize(s)),
            Hostile.Number().Select(n => n.ToString(global::System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Elements("true", "false", "null", "1e309", "-0", "0.5"));
        if (depth >= 2)
        {
            return scalar;
        }

        var member = Gen.Zip(Gen.Frequency((4, Gen.Elements(Keys)), (1, Hostile.Text())), JsonValue(depth + 1, objectOnly: false))
            .Select(kv => $"{JsonSerializer.Serialize(kv.Item1)}:{kv.Item2}");
        var obj = Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(member, n)).Select(members => "{" + string.Join(',', members) + "}");
        var array = Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(JsonValue(depth + 1, objectOnly: false), n)).Select(items => "[" + string.Join(',', items) + "]");
        return objectOnly ? obj : Gen.OneOf(scalar, obj, array);
    }

    /// <summary>An officer file: a header (sometimes wrong), rows of hostile fields, broken quoting, stray bytes.</summary>
    private static Gen<byte[]> ImportFile(DataFormat format)
    {
        var columns = new[] { "id", "native_name", "latin_name", "rank", "posting", "languages", "specialities", "email", "phone", "clearance" };
        if (format == DataFormat.Json)
        {
            var row = Gen.CollectToArray(columns.Select(c => Gen.Zip(Gen.Frequency((5, Gen.Constant(c)), (1, Hostile.Text())), Gen.OneOf(Hostile.Text().Select(t => JsonSerializer.Serialize(t)), Gen.Elements("1", "null", "[]", "{}")))))
                .Select(pairs => "{" + string.Join(',', pairs.Select(p => $"{JsonSerializer.Serialize(p.Item1)}:{p.Item2}")) + "}");
            return Gen.Frequency(
                (6, Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(row, n)).Select(rows => Encoding.UTF8.GetBytes("[" + string.Join(',', rows) + "]"))),
                (1, Gen.Elements("", "{", "[", "null", "[1,2]", "{\"id\":\"x\"}").Select(Encoding.UTF8.GetBytes)));
        }

        var field = Hostile.Text().Select(t => t.Length > 20_000 ? t[..20_000] : t).SelectMany(t => Gen.Elements(t, $"\"{t.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", $"\"{t}", $"{t}\""));
        var line = Gen.CollectToArray(columns.Select(_ => field)).Select(fields => string.Join(',', fields));
        var header = Gen.Frequency((5, Gen.Constant(string.Join(',', columns))), (1, Gen.Elements("id,native_name", "ID,Native_Name,latin_name", "id,id,latin_name,native_name", "\ufeffid,native_name,latin_name", "")));
        return Gen.Zip(Gen.Zip(header, Gen.Choose(0, 6).SelectMany(n => Gen.ListOf(line, n))), Gen.Elements("\n", "\r\n", "\r"))
            .Select(f => Encoding.UTF8.GetBytes(f.Item1.Item1 + f.Item2 + string.Join(f.Item2, f.Item1.Item2)))
            .SelectMany(bytes => Gen.Frequency((8, Gen.Constant(bytes)), (1, Gen.Constant<byte[]>([0xc0, 0xaf, .. bytes])), (1, Gen.Constant<byte[]>([.. bytes, 0xff]))));
    }

    private static string Shorten(string text) => text.Length > 300 ? $"{text[..300]}..." : text;

    private static string Preview(byte[]? body) =>
        body is null ? "no body" : body.Length > 300 ? $"{body.Length} bytes: {Encoding.UTF8.GetString(body, 0, 300)}..." : Encoding.UTF8.GetString(body);
}
