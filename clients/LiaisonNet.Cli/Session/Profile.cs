using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace LiaisonNet.Cli.Session;

/// <summary>
/// The tool's files in the user's profile: <c>$LIAISON_CONFIG_DIR</c>, else <c>$XDG_CONFIG_HOME/liaison</c>, else
/// <c>~/.config/liaison</c>. The folder is the user's alone (0700) and every file is the user's alone (0600). A file is
/// written whole into a new file beside it and renamed over the old one, so it is never half written and never
/// readable by others, not even for a moment. Each kept thing has a file of its own, so two runs at once (a watch and
/// a send) never overwrite each other's state.
/// </summary>
public sealed class Profile(string folder)
{
    private const UnixFileMode UserOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static Profile ForUser() => new(Environment.GetEnvironmentVariable("LIAISON_CONFIG_DIR") is { Length: > 0 } configured
        ? configured
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "liaison"));

    public string PathOf(string name) => Path.Combine(folder, name);

    /// <summary>A file name for something kept per key (a server and a user): the key's hash, so any text may be a key.</summary>
    public static string NameFor(string kind, params string[] key) =>
        $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', key))))[..24]}.json";

    public T? Read<T>(string name) where T : class
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Write<T>(string name, T value) => WriteBytes(name, JsonSerializer.SerializeToUtf8Bytes(value));

    public void WriteBytes(string name, ReadOnlySpan<byte> content)
    {
        var directory = Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory.FullName, UserOnly | UnixFileMode.UserExecute);
        }

        var path = PathOf(name);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        WritePrivate(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Removes a kept file; true when there was one.</summary>
    public bool Delete(string name)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        return true;
    }

    /// <summary>Removes kept files of one kind not written for <paramref name="age"/> (sends nobody retried, for example).</summary>
    public void DeleteOlderThan(string prefix, TimeSpan age)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(folder, prefix + "*.json"))
        {
            if (File.GetLastWriteTimeUtc(file) < DateTime.UtcNow - age)
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Writes a file only the user can read (an exported bundle, a key), created with that mode rather than changed afterwards.</summary>
    public static void WritePrivate(string path, ReadOnlySpan<byte> content)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UserOnly;
        }

        using var file = new FileStream(path, options);
        file.Write(content);
    }
}
