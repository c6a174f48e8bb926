using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using LiaisonNet.Audit.Grpc;
using LiaisonNet.Directory.Grpc;
using LiaisonNet.Identity.Admin;
using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.Protos.Directory.V1;
using LiaisonNet.Protos.Identity.V1;
using LiaisonNet.Protos.Relay.V1;
using LiaisonNet.Relay.Grpc;
using LiaisonNet.ServiceDefaults.Access;
using LiaisonNet.ServiceDefaults.Hosting;
using LiaisonNet.TestKit;
using Microsoft.AspNetCore.Routing;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>One source of truth for who may call what: every RPC and every route declares its rule where it is mapped.</summary>
// One storage only: the access table is read from the routes, whichever storage serves them.
[Trait("Storage", "Either")]
public sealed class AccessTableTests(SystemFixture fixture) : IClassFixture<SystemFixture>
{
    private static readonly ServiceDescriptor[] Services =
    [
        DirectoryService.Descriptor, DirectoryAdminService.Descriptor, RelayService.Descriptor, AuditService.Descriptor,
        AccountAdminService.Descriptor, AccountLookupService.Descriptor,
    ];

    [Fact]
    public void EveryMethodOfEveryServiceDescriptorIsServedWithARule()
    {
        var served = Enum.GetValues<ServiceKind>().SelectMany(fixture.System.RoutesOf)
            .Select(e => (Grpc: e.Metadata.GetMetadata<GrpcMethodMetadata>(), Rule: e.Metadata.GetMetadata<AccessRule>()))
            .Where(e => e.Grpc is not null)
            .ToLookup(e => e.Grpc!.Method.FullName, e => e.Rule, StringComparer.Ordinal);
        var methods = Services.SelectMany(s => s.Methods).Select(m => $"/{m.Service.FullName}/{m.Name}").ToList();
        Assert.Equal(48, methods.Count);
        Assert.All(methods, method =>
        {
            Assert.True(served.Contains(method), $"{method} is not served");
            Assert.All(served[method], rule => Assert.True(rule is not null, $"{method} is served without an access rule"));
        });
    }

    [Fact]
    public void EveryHttpRouteOfEveryServiceDeclaresARule()
    {
        var routes = Enum.GetValues<ServiceKind>().SelectMany(kind => fixture.System.RoutesOf(kind).OfType<RouteEndpoint>().Select(e => (kind, e)))
            .Where(r => r.e.Metadata.GetMetadata<GrpcMethodMetadata>() is null)
            .ToList();
        Assert.Contains(routes, r => r.e.RoutePattern.RawText == "/api/messages");
        Assert.Contains(routes, r => r.e.RoutePattern.RawText == "/connect/token");
        Assert.Contains(routes, r => r.e.RoutePattern.RawText?.StartsWith("/hubs/inbox", StringComparison.Ordinal) == true);
        Assert.All(routes, r => Assert.True(r.e.Metadata.GetMetadata<AccessRule>() is not null,
            $"{r.kind} {r.e.DisplayName} ({r.e.RoutePattern.RawText}) declares no access rule"));
    }

    [Fact]
    public async Task EveryMethodRefusesATokenWithoutItsServicesScope()
    {
        // Signed in, but with the directory scope only: no other service accepts the token at all.
        var directoryOnly = await new OidcSignIn(fixture.System.Urls).AccessTokenForAsync("abenov", Host.HostSecrets.DemoPassword, "openid profile directory");
        var everything = await fixture.System.AccessTokenForUserAsync("abenov");
        foreach (var (service, address) in Addresses(fixture.System))
        {
            using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(address);
            foreach (var method in service.Methods)
            {
                var token = service == DirectoryService.Descriptor || service == DirectoryAdminService.Descriptor ? null : directoryOnly;
                var status = await StatusOfAsync(channel, method, token ?? string.Empty);
                Assert.True(status == Grpc.Core.StatusCode.Unauthenticated, $"{method.FullName} without a token for it: {status}");
            }
        }

        // A token for the identity server's audience is still no service's: the account look-up is for services only.
        using var identity = Grpc.Net.Client.GrpcChannel.ForAddress(fixture.System.Urls.IdentityAdmin);
        Assert.Equal(Grpc.Core.StatusCode.PermissionDenied, await StatusOfAsync(identity, AccountLookupService.Descriptor.Methods[0], everything));
    }

    [Fact]
    public async Task SenderEntriesAreKeptOnlyByTheirOwnAgencysAdministrators()
    {
        var entry = new PutSenderRequest { Sender = new SenderInput { Id = "kz-bs-test-alerts", Name = "Test alerts" } };
        foreach (var user in new[] { "omarova", "khodjaev", "sattarkhanov" })
        {
            using var client = await fixture.System.ClientForUserAsync(user);
            await Expect.StatusAsync(Grpc.Core.StatusCode.PermissionDenied, () => client.DirectoryAdmin.PutSenderAsync(entry).ResponseAsync);
            Assert.Equal("KZ-BS", (await client.Directory.GetSenderAsync(new GetSenderRequest { Id = "liaison-demo-automation" })).Agency);
        }

        using var admin = await fixture.System.ClientForUserAsync("abenov");
        await admin.DirectoryAdmin.PutSenderAsync(entry);
        var history = await admin.DirectoryAdmin.GetHistoryAsync(new GetHistoryRequest { EntityType = "sender", Id = "kz-bs-test-alerts" });
        Assert.Single(history.Versions);
    }

    private static (ServiceDescriptor Service, string Address)[] Addresses(RunningSystem system) =>
    [
        (DirectoryService.Descriptor, system.Urls.Directory), (DirectoryAdminService.Descriptor, system.Urls.Directory), (RelayService.Descriptor, system.Urls.Relay),
        (AuditService.Descriptor, system.Urls.Audit), (AccountAdminService.Descriptor, system.Urls.IdentityAdmin), (AccountLookupService.Descriptor, system.Urls.IdentityAdmin),
    ];

    private static async Task<Grpc.Core.StatusCode> StatusOfAsync(Grpc.Net.Client.GrpcChannel channel, MethodDescriptor method, string token)
    {
        var bytes = Grpc.Core.Marshallers.Create<byte[]>(b => b, b => b);
        var headers = new Grpc.Core.Metadata();
        if (token.Length > 0)
        {
            headers.Add("Authorization", $"Bearer {token}");
        }

        var options = new Grpc.Core.CallOptions(headers, DateTime.UtcNow.AddSeconds(10));
        try
        {
            if (method.IsServerStreaming)
            {
                using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(
                    new Grpc.Core.Method<byte[], byte[]>(Grpc.Core.MethodType.ServerStreaming, method.Service.FullName, method.Name, bytes, bytes), null, options, []);
                await call.ResponseStream.MoveNext(CancellationToken.None);
            }
            else
            {
                await channel.CreateCallInvoker().AsyncUnaryCall(
                    new Grpc.Core.Method<byte[], byte[]>(Grpc.Core.MethodType.Unary, method.Service.FullName, method.Name, bytes, bytes), null, options, []);
            }

            return Grpc.Core.StatusCode.OK;
        }
        catch (Grpc.Core.RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    [Fact]
    public void ATableMissingOneMethodIsCaughtBeforeTheServiceStarts()
    {
        foreach (var rules in new[] { RelayAccess.Rules, DirectoryAccess.Rules, DirectoryAccess.AdminRules, AuditAccess.Rules, AccountAccess.AdminRules, AccountAccess.LookupRules })
        {
            Assert.Empty(rules.Problems());
            foreach (var method in rules.Service.Methods)
            {
                var incomplete = rules.Without(method.Name);
                Assert.Equal([$"{rules.Service.FullName}/{method.Name} has no access rule"], incomplete.Problems());
                Assert.Throws<InvalidOperationException>(() => incomplete.ThrowIfIncomplete());
            }
        }
    }
}
