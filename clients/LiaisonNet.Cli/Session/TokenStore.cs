using System.Text.Json;

namespace LiaisonNet.Cli.Session;

/// <summary>A sign-in kept between runs: which system, and its tokens.</summary>
public sealed record StoredSession(string Server, SystemEndpoints Endpoints, string AccessToken, string? RefreshToken, DateTimeOffset ExpiresAt);

/// <summary>
/// The user's sign-in, in a file only the user can read or write (mode 0600) in the user's profile:
/// <c>$LIAISON_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/liaison</c>, else <c>~/.config/liaison</c>. The file is
/// written whole into a new file beside it and renamed over the old one, so it is never half written and never
/// readable by others, not even for a moment.
/// </summary>
public sealed class TokenStore(string folder)
{
    public static TokenStore ForUser()
    {
        var folder = Environment.GetEnvironmentVariable("LIAISON_CONFIG_DIR") is { Length: > 0 } configured
            ? configured
            : System.IO.Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
                ? xdg
                : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "liaison");
        return new TokenStore(folder);
    }

    public string Path => System.IO.Path.Combine(folder, "session.json");

    public StoredSession? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<StoredSession>(File.ReadAllText(Path));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Save(StoredSession session)
    {
        var directory = Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var temporary = $"{Path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(file, session);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Removes the sign-in; true when there was one.</summary>
    public bool Remove()
    {
        if (!File.Exists(Path))
        {
            return false;
        }

        File.Delete(Path);
        return true;
    }
}
