using LiaisonNet.ServiceDefaults.Storage;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LiaisonNet.Client.Audit;
using LiaisonNet.ServiceDefaults.Hosting;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Audit.Log;

/// <summary>A checkpoint-signing key as published: its id, its SubjectPublicKeyInfo, and since when it signs.</summary>
public sealed record CheckpointKey(string KeyId, byte[] PublicKey, DateTimeOffset SigningFrom);

/// <summary>
/// Signs tree heads with ECDSA P-256 keys kept in the audit data folder (<c>checkpoint-keys/checkpoint-{unix seconds}.pem</c>).
/// The newest signs; every earlier key stays published so that every checkpoint ever signed still verifies. A new key is
/// made at start when the newest is older than Audit:CheckpointKeyRotationPeriod, or when Audit:RotateCheckpointKeyNow
/// is set; the log records each rotation.
/// </summary>
public sealed class CheckpointSigner : IDisposable
{
    private readonly ECDsa _key;

    public CheckpointSigner(IOptions<LiaisonOptions> options, IOptions<AuditOptions> audit, TimeProvider clock)
    {
        var root = options.Value.DataFolderFor(ServiceKind.Audit.DataFolderName());
        var folder = Path.Combine(root, "checkpoint-keys");
        Directory.CreateDirectory(folder);
        // Instances sharing the folder start one after another here: the first makes the key, the others find it.
        using var exclusive = FolderLock.Take(folder, "keys");
        var legacy = Path.Combine(root, "checkpoint-signing-key.pem");
        if (File.Exists(legacy) && !Directory.EnumerateFiles(folder, "checkpoint-*.pem").Any())
        {
            // A key from before rotation existed: it becomes the first of the ring.
            File.Move(legacy, Path.Combine(folder, $"checkpoint-{File.GetLastWriteTimeUtc(legacy).Ticks / TimeSpan.TicksPerSecond - 62135596800}.pem"));
        }

        var now = clock.GetUtcNow();
        var files = Directory.EnumerateFiles(folder, "checkpoint-*.pem")
            .Select(path => (Path: path, From: DateTimeOffset.FromUnixTimeSeconds(long.Parse(Path.GetFileNameWithoutExtension(path)["checkpoint-".Length..], CultureInfo.InvariantCulture))))
            .OrderBy(f => f.From).ToList();
        if (files.Count == 0 || audit.Value.RotateCheckpointKeyNow || now - files[^1].From >= audit.Value.CheckpointKeyRotationPeriod)
        {
            PreviousKeyId = files.Count == 0 ? null : KeyIdOf(files[^1].Path);
            var from = DateTimeOffset.FromUnixTimeSeconds(Math.Max(now.ToUnixTimeSeconds(), files.Count == 0 ? 0 : files[^1].From.ToUnixTimeSeconds() + 1));
            using var created = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var path = Path.Combine(folder, $"checkpoint-{from.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}.pem");
            FolderLock.WriteAtomically(path, created.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);

            files.Add((path, from));
            RotatedAtStart = files.Count > 1;
        }

        Keys = [.. files.Select(f => (f, Key: Load(f.Path))).Select(k => new CheckpointKey(Checkpoint.KeyIdOf(k.Key), k.Key, k.f.From))];
        _key = ECDsa.Create();
        _key.ImportFromPem(File.ReadAllText(files[^1].Path));
        PublicKey = _key.ExportSubjectPublicKeyInfo();
        KeyId = Checkpoint.KeyIdOf(PublicKey);
    }

    /// <summary>Every key that has signed, oldest first.</summary>
    public IReadOnlyList<CheckpointKey> Keys { get; }

    public byte[] PublicKey { get; }

    public string KeyId { get; }

    /// <summary>True when this start made a new key that replaces an earlier one.</summary>
    public bool RotatedAtStart { get; }

    public string? PreviousKeyId { get; }

    public byte[] Sign(string note) =>
        _key.SignData(Encoding.UTF8.GetBytes(note), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => _key.Dispose();

    private static byte[] Load(string path)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return key.ExportSubjectPublicKeyInfo();
    }

    private static string KeyIdOf(string path) => Checkpoint.KeyIdOf(Load(path));
}
