using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace LiaisonNet.Relay.Messages;

/// <summary>
/// Encrypts message subjects and bodies at rest with AES-256-GCM. Each value records the id of its key, so a new active key
/// can be configured while older messages still open with theirs. The message id is bound in as associated data,
/// so that a ciphertext cannot be moved to another message.
/// Layout: [key id length][key id][12-byte nonce][16-byte tag][ciphertext].
/// </summary>
public sealed class BodyCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Dictionary<string, byte[]> _keys;
    private readonly string _active;

    public BodyCipher(IOptions<RelayOptions> options)
    {
        _keys = options.Value.BodyKeys.ToDictionary(k => k.Key, k => Convert.FromBase64String(k.Value), StringComparer.Ordinal);
        _active = options.Value.ActiveBodyKey;
    }

    public byte[] Seal(string plaintext, string messageId)
    {
        var key = _keys[_active];
        var id = Encoding.UTF8.GetBytes(_active);
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var sealedValue = new byte[1 + id.Length + NonceSize + TagSize + clear.Length];
        sealedValue[0] = (byte)id.Length;
        id.CopyTo(sealedValue, 1);
        var nonce = sealedValue.AsSpan(1 + id.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, clear, sealedValue.AsSpan(1 + id.Length + NonceSize + TagSize), sealedValue.AsSpan(1 + id.Length + NonceSize, TagSize), Encoding.UTF8.GetBytes(messageId));
        return sealedValue;
    }

    public string Open(byte[] sealedValue, string messageId)
    {
        var idLength = sealedValue[0];
        var keyId = Encoding.UTF8.GetString(sealedValue, 1, idLength);
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"Body key '{keyId}' is not configured (Relay:BodyKeys:{keyId}).");
        }

        var offset = 1 + idLength;
        var cipher = sealedValue.AsSpan(offset + NonceSize + TagSize);
        var clear = new byte[cipher.Length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedValue.AsSpan(offset, NonceSize), cipher, sealedValue.AsSpan(offset + NonceSize, TagSize), clear, Encoding.UTF8.GetBytes(messageId));
        return Encoding.UTF8.GetString(clear);
    }
}

internal sealed class RelayOptionsValidator : IValidateOptions<RelayOptions>
{
    public ValidateOptionsResult Validate(string? name, RelayOptions options)
    {
        if (options.SendBurst < 1 || options.SendsPerSecond < 1 || options.MaxStreamsPerUser < 1)
        {
            return ValidateOptionsResult.Fail("Relay:SendBurst, Relay:SendsPerSecond and Relay:MaxStreamsPerUser must be at least 1.");
        }

        if (string.IsNullOrWhiteSpace(options.ActiveBodyKey))
        {
            return ValidateOptionsResult.Fail("Relay:ActiveBodyKey is required: the id of the key in Relay:BodyKeys that encrypts new messages.");
        }

        if (!options.BodyKeys.TryGetValue(options.ActiveBodyKey, out var active))
        {
            return ValidateOptionsResult.Fail($"Relay:BodyKeys:{options.ActiveBodyKey} is required (32 random bytes, base64).");
        }

        foreach (var (id, value) in options.BodyKeys.Append(new(options.ActiveBodyKey, active)))
        {
            if (!Convert.TryFromBase64String(value, new byte[64], out var length) || length != 32)
            {
                return ValidateOptionsResult.Fail($"Relay:BodyKeys:{id} must be 32 bytes in base64.");
            }

            if (Encoding.UTF8.GetByteCount(id) > 255)
            {
                return ValidateOptionsResult.Fail($"Relay:BodyKeys: the key id '{id}' is too long.");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
