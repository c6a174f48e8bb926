using LiaisonNet.Protos.Audit.V1;
using LiaisonNet.ServiceDefaults.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LiaisonNet.ServiceDefaults.AuditTrail;

public static class AuditTrailExtensions
{
    /// <summary>
    /// Delivers the service's outbox (<typeparamref name="TOutbox"/>) to the audit service in the background, with the
    /// service's own token (see <see cref="ServiceClientExtensions.AddServiceTokenSource"/>).
    /// </summary>
    public static IServiceCollection AddAuditOutboxDelivery<TOutbox>(this IServiceCollection services, Func<IServiceProvider, TOutbox> outbox)
        where TOutbox : class, IAuditOutbox
    {
        services.TryAddSingleton<OutboxSignal>();
        services.AddSingleton<IAuditOutbox>(outbox);
        services.AddHostedService<OutboxDispatcher>();
        services.AddServiceGrpcClient<AuditService.AuditServiceClient>(urls => urls.Audit);
        return services;
    }
}
