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
using Microsoft.AspNetCore.Routing;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>One source of truth for who may call what: every RPC and every route declares its rule where it is mapped.</summary>
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
        Assert.Equal(46, methods.Count);
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
