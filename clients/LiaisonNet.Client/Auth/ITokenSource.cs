namespace LiaisonNet.Client.Auth;

/// <summary>Supplies a current access token for outgoing calls.</summary>
public interface ITokenSource
{
    ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken);
}

/// <summary>A token obtained elsewhere (for example by a sign-in), used as is.</summary>
public sealed class StaticTokenSource(string accessToken) : ITokenSource
{
    public ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult(accessToken);
}
