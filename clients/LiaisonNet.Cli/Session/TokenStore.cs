namespace LiaisonNet.Cli.Session;

/// <summary>A sign-in kept between runs: which system, and its tokens.</summary>
public sealed record StoredSession(string Server, SystemEndpoints Endpoints, string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt);

/// <summary>The user's sign-in, in <c>session.json</c> of the profile folder (mode 0600, see <see cref="Profile"/>).</summary>
public sealed class TokenStore(Profile profile)
{
    private const string FileName = "session.json";

    public static TokenStore ForUser() => new(Profile.ForUser());

    public string Path => profile.PathOf(FileName);

    public StoredSession? Load() => profile.Read<StoredSession>(FileName);

    public void Save(StoredSession session) => profile.Write(FileName, session);

    /// <summary>Removes the sign-in; true when there was one.</summary>
    public bool Remove() => profile.Delete(FileName);
}
