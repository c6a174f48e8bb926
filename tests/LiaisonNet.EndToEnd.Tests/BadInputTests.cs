using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.TestKit;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>Bad input gets a definite, short error and loses nothing: never a hang, UNKNOWN, INTERNAL, a 500 or a stack trace.</summary>
public sealed class BadInputTests(SystemFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<SystemFixture>
{
    internal static readonly (ServiceDescriptor Service, Func<RunningSystem, string> Address)[] Services =
    [
        (DirectoryService.Descriptor, s => s.Urls.Directory), (DirectoryAdminService.Descriptor, s => s.Urls.Directory),
        (RelayService.Descriptor, s => s.Urls.Relay), (AuditService.Descriptor, s => s.Urls.Audit),
        (AccountAdminService.Descriptor, s => s.Urls.IdentityAdmin), (AccountLookupService.Descriptor, s => s.Urls.IdentityAdmin),
    ];

    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    private RunningSystem System => fixture.System;

    [Fact]
    public async Task A100KbValueInAnyStringFieldOfAnyRequestIsRefusedAndTheConnectionStaysUsable()
    {
        var token = await System.AccessTokenForUserAsync("abenov");
        var tried = 0;
        var slowest = TimeSpan.Zero;
        foreach (var (service, address) in Services)
        {
            using var channel = GrpcChannel.ForAddress(address(System));
            foreach (var method in service.Methods)
            {
                foreach (var request in WithEachStringFieldSetTo(method.InputType, new string('x', 100 * 1024)))
                {
                    var watch = Stopwatch.StartNew();
                    var (status, detail) = await CallAsync(channel, method, request.Message.ToByteArray(), token);
                    Assert.True(status == StatusCode.InvalidArgument, $"{method.FullName} with 100 KB in {request.Path}: {status} {detail}");
                    Assert.True(detail.Length < 2_000, $"{method.FullName}: a {detail.Length}-character status message");
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"{method.FullName} took {watch.Elapsed}");
                    slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;

                    // The next, good call on the same connection succeeds.
                    await GoodCallAsync(channel, service, token);
                    tried++;
                }
            }
        }

        Assert.True(tried > 100, $"only {tried} string fields tried");
        output.WriteLine($"{tried} string fields refused; the slowest answer took {slowest.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task UndecodableRequestsAnswerADefiniteStatusLoggedOnceWithoutAStackTrace()
    {
        var token = await System.AccessTokenForUserAsync("sattarkhanov");
        var started = DateTimeOffset.UtcNow;
        using var http = Http2Client();
        var cases = new (string Name, byte[] Frame, string? Encoding, StatusCode Expected)[]
        {
            ("a truncated field", Frame([0x0a]), null, StatusCode.InvalidArgument),
            ("invalid UTF-8 in a string field", Frame([0x0a, 0x02, 0xc3, 0x28]), null, StatusCode.InvalidArgument),
            ("groups nested 200 deep", Frame([.. Enumerable.Repeat((byte)0x7b, 200), .. Enumerable.Repeat((byte)0x7c, 200)]), null, StatusCode.InvalidArgument),
            ("a 4 GiB length prefix", [0, 0xff, 0xff, 0xff, 0xff, 0x0a], null, StatusCode.ResourceExhausted),
            ("a compressed flag of 7", [7, 0, 0, 0, 1, 0x0a], null, StatusCode.InvalidArgument),
            ("a gzip flag on plain data", [1, 0, 0, 0, 2, 0x0a, 0x00], "gzip", StatusCode.InvalidArgument),
        };
        var decodeWarnings = 0;
        foreach (var (name, frame, encoding, expected) in cases)
        {
            var (status, detail) = await RawCallAsync(http, new Uri(new Uri(System.Urls.Directory), "/liaison.directory.v1.DirectoryService/GetOfficer"), frame, token, encoding);
            Assert.True(status == expected, $"{name}: {status} {detail}");
            Assert.True(detail.Length is > 0 and < 300, $"{name}: '{detail}'");
            decodeWarnings += encoding is null ? 1 : 0;
        }

        // Every method answers the single byte 0a the same way.
        foreach (var (service, address) in Services)
        {
            foreach (var method in service.Methods)
            {
                var (status, detail) = await RawCallAsync(http, new Uri(new Uri(address(System)), $"/{service.FullName}/{method.Name}"), Frame([0x0a]), token, null);
                Assert.True(status == StatusCode.InvalidArgument, $"{method.FullName}: {status} {detail}");
                decodeWarnings++;
            }
        }

        var logged = System.Logs.Since(started);
        Assert.DoesNotContain(logged, e => e.Exception is not null);
        Assert.DoesNotContain(logged, e => e.Level >= LogLevel.Error);
        Assert.Equal(decodeWarnings, logged.Count(e => e.Category == "LiaisonNet.Grpc.Decoding" && e.Level == LogLevel.Warning));
    }

    [Fact]
    public async Task InvalidTimestampsAreRefusedBeforeAnythingConvertsThem()
    {
        using var sender = await System.ClientForUserAsync("sattarkhanov");
        using var auditor = await System.ClientForUserAsync("omarova");
        var bad = new[]
        {
            new Timestamp { Seconds = 1_700_000_000, Nanos = 1_000_000_000 }, new Timestamp { Seconds = 1_700_000_000, Nanos = -1 },
            new Timestamp { Seconds = -62_135_596_801 }, new Timestamp { Seconds = long.MaxValue },
        };
        foreach (var time in bad)
        {
            await Expect.StatusAsync(StatusCode.InvalidArgument, () => sender.Relay.SendMessageAsync(new SendMessageRequest
            {
                ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "uz-cus-khodjaev" }, Precedence = Precedence.Routine, Subject = "Expiring", ExpiresAt = time,
            }).ResponseAsync);
            await Expect.StatusAsync(StatusCode.InvalidArgument, () => auditor.Audit.ListTrailAsync(new ListTrailRequest { Agency = "KZ-BS", From = time }).ResponseAsync);
            await Expect.StatusAsync(StatusCode.InvalidArgument, () => auditor.Audit.ListTrailAsync(new ListTrailRequest { Agency = "KZ-BS", To = time }).ResponseAsync);
        }
    }

    [Fact]
    public async Task FourConcurrentIdenticalCreatesMakeOneAccountAndAnswerAlreadyExistsToTheRest()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var request = new CreateAccountRequest { UserName = "kz.same.time", DisplayName = "Same time", Roles = { "officer" } };
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await admin.Accounts.CreateAccountAsync(request);
                return StatusCode.OK;
            }
            catch (RpcException ex)
            {
                return ex.StatusCode;
            }
        }));
        Assert.Equal(1, outcomes.Count(o => o == StatusCode.OK));
        Assert.Equal(3, outcomes.Count(o => o == StatusCode.AlreadyExists));
    }

    [Fact]
    public async Task TheGatewayRefusesABodyItCannotReadWithProblemDetails()
    {
        using var session = await System.GatewaySessionAsync("sattarkhanov");
        foreach (var contentType in new[] { "application/json; charset=nope", "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded", "nonsense" })
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("{\"subject\":\"x\"}"));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await session.Http.PostAsync(new Uri("/api/messages", UriKind.Relative), content);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{contentType}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task TheTokenEndpointRefusesControlCharactersAndFloodsOfFieldsWithInvalidRequest()
    {
        using var http = new HttpClient();
        var forms = new[]
        {
            "grant_type=client_credentials&client_id=liaison-demo-automation&client_secret=x&scope=directory%00%0D%0Arelay",
            "grant_type=client_credentials&client_id=liaison-demo-automation%0D%0AX-Injected:1&client_secret=x",
            string.Join('&', Enumerable.Range(0, 100_000).Select(i => $"f{i}=v")),
        };
        foreach (var form in forms)
        {
            using var content = new StringContent(form, Encoding.ASCII, "application/x-www-form-urlencoded");
            using var response = await http.PostAsync(new Uri(System.Urls.Issuer, "connect/token"), content);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("\"invalid_request\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GarbageIsRefusedWhereverItAppears()
    {
        using var admin = await System.ClientForUserAsync("abenov");
        var desk = new DeskInput { Id = "kz-bs-garbage-desk", Name = "Garbage", TimeZone = "Asia/Almaty" };
        foreach (var kind in new[] { "\0", "<script>", "fax" })
        {
            var withKind = desk.Clone();
            withKind.Contacts.Add(new ContactChannel { Kind = kind, Value = "+7 700 000 00 00" });
            await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.DirectoryAdmin.PutDeskAsync(new PutDeskRequest { Desk = withKind }).ResponseAsync);
        }

        var many = desk.Clone();
        many.Contacts.Add(Enumerable.Range(0, 10_000).Select(i => new ContactChannel { Kind = "phone", Value = $"{i}" }));
        await Expect.StatusAsync(StatusCode.InvalidArgument, () => admin.DirectoryAdmin.PutDeskAsync(new PutDeskRequest { Desk = many }).ResponseAsync);
        await Expect.StatusAsync(StatusCode.NotFound, () => admin.Directory.GetDeskAsync(new GetDeskRequest { Id = desk.Id }).ResponseAsync);

        using var originator = await System.ClientForUserAsync("khodjaev");
        using var recipient = await System.ClientForUserAsync("sattarkhanov");
        var sent = await originator.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "H2 note",
            HandlingCode = HandlingCode.H2,
        });
        foreach (var bad in new[] { "ab\u0000cd", "ab\u001bcd", "<b>x</b>", "kz-bs-no-such-officer", new string('a', 65) })
        {
            await Expect.StatusAsync(StatusCode.InvalidArgument, () => recipient.Relay.RequestForwardPermissionAsync(new RequestForwardPermissionRequest
            {
                MessageId = sent.MessageId, Recipients = { bad },
            }).ResponseAsync);
        }

        var listed = await originator.Relay.ListForwardPermissionsAsync(new ListForwardPermissionsRequest { MessageId = sent.MessageId });
        Assert.Empty(listed.Permissions);

        foreach (var text in new[] { "Subject\0with NUL", "Bell\a", "Escape\u001b[31m" })
        {
            await Expect.StatusAsync(StatusCode.InvalidArgument, () => originator.Relay.SendMessageAsync(new SendMessageRequest
            {
                ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = text,
            }).ResponseAsync);
        }

        // Tabs and line breaks are text.
        await originator.Relay.SendMessageAsync(new SendMessageRequest
        {
            ClientMessageId = Guid.NewGuid().ToString(), ActionRecipients = { "kz-bs-sattarkhanov" }, Precedence = Precedence.Routine, Subject = "Lines",
            Body = "One\r\nTwo\n\tThree",
        });
    }

    /// <summary>An instance of <paramref name="type"/> for each string field reachable in it (one element of each list), with that field set to <paramref name="value"/>.</summary>
    private static IEnumerable<(string Path, IMessage Message)> WithEachStringFieldSetTo(MessageDescriptor type, string value, int depth = 0)
    {
        foreach (var field in type.Fields.InDeclarationOrder())
        {
            if (field.FieldType == FieldType.String)
            {
                var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
                Set(message, field, value);
                yield return (field.Name, message);
            }
            else if (field.FieldType == FieldType.Message && depth < 3 && field.MessageType.FullName is not ("google.protobuf.Timestamp" or "google.protobuf.Any"))
            {
                foreach (var (path, inner) in WithEachStringFieldSetTo(field.MessageType, value, depth + 1))
                {
                    var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
                    Set(message, field, inner);
                    yield return ($"{field.Name}.{path}", message);
                }
            }
        }
    }

    private static void Set(IMessage message, FieldDescriptor field, object value)
    {
        if (field.IsRepeated)
        {
            ((System.Collections.IList)field.Accessor.GetValue(message)).Add(value);
        }
        else
        {
            field.Accessor.SetValue(message, value);
        }
    }

    internal static async Task<(StatusCode Status, string Detail)> CallAsync(GrpcChannel channel, MethodDescriptor method, byte[] request, string token, TimeSpan? streamFor = null)
    {
        var headers = new Metadata { { "Authorization", $"Bearer {token}" } };
        var options = new CallOptions(headers, DateTime.UtcNow.AddSeconds(10));
        try
        {
            if (method.IsServerStreaming)
            {
                var streaming = new Method<byte[], byte[]>(MethodType.ServerStreaming, method.Service.FullName, method.Name, Bytes, Bytes);
                using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(streaming, null, options.WithDeadline(DateTime.UtcNow + (streamFor ?? TimeSpan.FromSeconds(2))), request);
                await call.ResponseStream.MoveNext();
                return (StatusCode.OK, string.Empty);
            }

            var unary = new Method<byte[], byte[]>(MethodType.Unary, method.Service.FullName, method.Name, Bytes, Bytes);
            await channel.CreateCallInvoker().AsyncUnaryCall(unary, null, options, request);
            return (StatusCode.OK, string.Empty);
        }
        catch (RpcException ex)
        {
            // A stream that was accepted and then waited past its short deadline was answered, not hung.
            return method.IsServerStreaming && ex.StatusCode == StatusCode.DeadlineExceeded ? (StatusCode.OK, string.Empty) : (ex.StatusCode, ex.Status.Detail);
        }
    }

    /// <summary>A valid call to a service on the given connection; throws unless it succeeds.</summary>
    private static async Task GoodCallAsync(GrpcChannel channel, ServiceDescriptor service, string token)
    {
        var options = new CallOptions(new Metadata { { "Authorization", $"Bearer {token}" } }, DateTime.UtcNow.AddSeconds(10));
        if (service == DirectoryService.Descriptor || service == DirectoryAdminService.Descriptor)
        {
            await new DirectoryService.DirectoryServiceClient(channel).GetDeskAsync(new GetDeskRequest { Id = "kz-bs-khorgos-desk" }, options);
        }
        else if (service == RelayService.Descriptor)
        {
            await new RelayService.RelayServiceClient(channel).ListInboxAsync(new ListInboxRequest(), options);
        }
        else if (service == AuditService.Descriptor)
        {
            await new AuditService.AuditServiceClient(channel).GetCheckpointAsync(new GetCheckpointRequest(), options);
        }
        else
        {
            await new AccountAdminService.AccountAdminServiceClient(channel).ListAccountsAsync(new ListAccountsRequest(), options);
        }
    }

    private static HttpClient Http2Client() => new(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A gRPC call with a hand-made body frame, read back from the response trailers.</summary>
    private static async Task<(StatusCode Status, string Detail)> RawCallAsync(HttpClient http, Uri url, byte[] body, string token, string? encoding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(body), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var headers = response.TrailingHeaders.Concat(response.Headers).ToList();
        var status = headers.FirstOrDefault(h => h.Key == "grpc-status").Value?.FirstOrDefault();
        var message = headers.FirstOrDefault(h => h.Key == "grpc-message").Value?.FirstOrDefault() ?? string.Empty;
        return status is null
            ? (StatusCode.Unknown, $"HTTP {(int)response.StatusCode}, no grpc-status")
            : ((StatusCode)int.Parse(status, CultureInfo.InvariantCulture), Uri.UnescapeDataString(message));
    }

    /// <summary>A gRPC message frame: not compressed, a 4-byte big-endian length, then the bytes.</summary>
    private static byte[] Frame(byte[] message) =>
        [0, (byte)(message.Length >> 24), (byte)(message.Length >> 16), (byte)(message.Length >> 8), (byte)message.Length, .. message];
}
