using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace LiaisonNet.Client.Audit;

/// <summary>
/// A signed tree head. The signed note is plain text, one field a line, so that anyone can check it with
/// standard tools: origin, tree size, base64 root hash, issue time in Unix milliseconds.
/// </summary>
public sealed record Checkpoint(long TreeSize, byte[] RootHash, DateTimeOffset IssuedAt)
{
    public const string Origin = "liaisonnet-audit/v1";

    public string Note() => string.Create(CultureInfo.InvariantCulture,
        $"{Origin}\n{TreeSize}\n{Convert.ToBase64String(RootHash)}\n{IssuedAt.ToUnixTimeMilliseconds()}\n");

    public static bool TryParse(string note, out Checkpoint? checkpoint)
    {
        checkpoint = null;
        var lines = note.Split('\n');
        if (lines.Length != 5 || lines[0] != Origin || lines[4].Length != 0
            || !long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || !long.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
        {
            return false;
        }

        try
        {
            var root = Convert.FromBase64String(lines[2]);
            if (root.Length != Merkle.HashSize)
            {
                return false;
            }

            checkpoint = new Checkpoint(size, root, DateTimeOffset.FromUnixTimeMilliseconds(millis));
            return checkpoint.Note() == note;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Checks an ECDSA P-256 signature (IEEE P1363) over the note with a SubjectPublicKeyInfo key.</summary>
    public static bool VerifySignature(string note, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKeySpki)
    {
        using var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(publicKeySpki, out _);
        }
        catch (CryptographicException)
        {
            return false;
        }

        return key.VerifyData(Encoding.UTF8.GetBytes(note), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>Short key id: the first 8 bytes of SHA-256 of the public key, hex.</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> publicKeySpki) => Convert.ToHexStringLower(SHA256.HashData(publicKeySpki)[..8]);
}
