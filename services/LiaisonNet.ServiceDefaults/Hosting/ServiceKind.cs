namespace LiaisonNet.ServiceDefaults.Hosting;

/// <summary>The five applications of LiaisonNet; each knows its own address, data folder and wire protocols.</summary>
public enum ServiceKind
{
    Gateway,
    Identity,
    Directory,
    Relay,
    Audit,
}

public static class ServiceKindExtensions
{
    public static string Url(this ServiceKind kind, ServiceUrls urls) => kind switch
    {
        ServiceKind.Gateway => urls.Gateway,
        ServiceKind.Identity => urls.Identity,
        ServiceKind.Directory => urls.Directory,
        ServiceKind.Relay => urls.Relay,
        ServiceKind.Audit => urls.Audit,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>gRPC services speak HTTP/2 only (cleartext HTTP/2 needs prior knowledge); browsers reach the gateway and identity over HTTP/1.1 too.</summary>
    public static bool IsGrpcOnly(this ServiceKind kind) => kind is ServiceKind.Directory or ServiceKind.Relay or ServiceKind.Audit;

    public static string DataFolderName(this ServiceKind kind) => kind.ToString().ToLowerInvariant();
}
