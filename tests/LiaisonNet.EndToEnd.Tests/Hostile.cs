using System.Collections;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace LiaisonNet.EndToEnd.Tests;

/// <summary>
/// FsCheck generators of what an attacker or a broken client sends: strings with control characters, CRLF and ANSI
/// escapes, lone surrogates, 100,000 characters; numbers at their limits; enum values no version defines; lists of
/// 10,000; and whole protobuf requests of any type made of them, walked from the type's descriptor.
/// </summary>
public static class Hostile
{
    /// <summary>Ids the seeded system knows, so that some requests get past "not found" into the deeper checks.</summary>
    private static readonly string[] KnownIds =
    [
        "uz-cus-khodjaev", "kz-bs-sattarkhanov", "kg-bs-asanov", "tj-dca-rahimov", "desk:kz-bs-khorgos-desk", "kz-bs-khorgos-desk", "KZ-BS", "UZ-CUS", "KZ",
        "list:no-such-list", "omarova", "abenov", "1", "0",
    ];

    public static Gen<string> Text() => Gen.Frequency(
        (6, Gen.Elements(KnownIds)),
        (4, Gen.Elements("", " ", "Ходжаев", "خواجه‌اف", "Khodzhaev", "O'Brien", "\"quoted\"", "a,b;c", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd",
            "%00", "${jndi:ldap://x}", "{{7*7}}", "null", "NaN", "-1", "1e309", "\t")),
        (4, Gen.Elements("line\r\nInjected: yes", "\r\n", "\n", "\u001b[31mred\u001b[0m", "\u001b]0;title\u0007", "nul\0byte", "bell\a", "\u0085next line", "\u2028sep", "\u202Eevil", "\u200B")),
        (2, Gen.Elements("\ud800", "a\udc00b", "\uffff", "\ufeffBOM")),
        (3, Gen.Choose(1, 300).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 0x2FFF).Select(c => (char)c), n)).Select(chars => new string(chars))),
        (1, Gen.Elements(new string('x', 100_000), string.Concat(Enumerable.Repeat("Ж\r\n", 40_000)), new string('\u001b', 5_000))));

    public static Gen<long> Number() => Gen.Frequency(
        (3, Gen.Elements(0L, 1L, -1L, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 500L, 501L, 10_001L)),
        (2, Gen.Choose(-1000, 100_000).Select(n => (long)n)));

    /// <summary>A request of <paramref name="type"/>: each field left out or set to something hostile, lists of 0 to 5 or (rarely) 10,000.</summary>
    public static Gen<IMessage> Message(MessageDescriptor type, int depth = 0)
    {
        var fields = type.Fields.InDeclarationOrder().Where(f => !f.IsMap).ToList();
        return Gen.CollectToArray(fields.Select(f => FieldValue(f, depth))).Select(values =>
        {
            var message = (IMessage)Activator.CreateInstance(type.ClrType)!;
            foreach (var (field, value) in fields.Zip(values))
            {
                if (value is null)
                {
                    continue;
                }

                if (field.IsRepeated)
                {
                    var list = (IList)field.Accessor.GetValue(message);
                    foreach (var item in (IEnumerable)value)
                    {
                        list.Add(item);
                    }
                }
                else
                {
                    field.Accessor.SetValue(message, value);
                }
            }

            return message;
        });
    }

    /// <summary>The encoded request, sometimes broken after encoding: a byte flipped, cut short, or an invalid UTF-8 sequence spliced in.</summary>
    public static Gen<byte[]> Encoded(MessageDescriptor type) =>
        Message(type).SelectMany(message => Gen.Frequency(
            (8, Gen.Constant(message.ToByteArray())),
            (1, Gen.Choose(0, 1 << 20).Select(seed => Damage(message.ToByteArray(), seed))),
            (1, Gen.Constant(Splice(message.ToByteArray())))));

    private static Gen<object?> FieldValue(FieldDescriptor field, int depth)
    {
        var single = Single(field, depth);
        if (single is null)
        {
            return Gen.Constant<object?>(null);
        }

        if (!field.IsRepeated)
        {
            return Gen.Frequency((1, Gen.Constant<object?>(null)), (3, single));
        }

        var many = field.FieldType == FieldType.String
            ? Gen.Frequency((12, Gen.Choose(0, 5)), (1, Gen.Constant(10_000)))
            : Gen.Choose(0, 4);
        return many.SelectMany(n => n == 10_000
            ? single.Select(one => (object?)Enumerable.Repeat(one, n).ToList())
            : Gen.ListOf(single, n).Select(items => (object?)items.ToList()));
    }

    private static Gen<object?>? Single(FieldDescriptor field, int depth) => field.FieldType switch
    {
        FieldType.String => Text().Select(s => (object?)s),
        FieldType.Bytes => Text().Select(s => (object?)ByteString.CopyFrom(Encoding.UTF8.GetBytes(s))),
        FieldType.Bool => Gen.Elements<object?>(true, false),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => Number().Select(n => (object?)unchecked((int)n)),
        FieldType.UInt32 or FieldType.Fixed32 => Number().Select(n => (object?)unchecked((uint)n)),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => Number().Select(n => (object?)n),
        FieldType.UInt64 or FieldType.Fixed64 => Number().Select(n => (object?)unchecked((ulong)n)),
        FieldType.Double => Gen.Elements<object?>(0d, -1d, double.NaN, double.PositiveInfinity, double.MaxValue, 1e-300),
        FieldType.Float => Gen.Elements<object?>(0f, -1f, float.NaN, float.NegativeInfinity),
        // A value from the enum, or one no version of it defines.
        FieldType.Enum => Gen.Frequency(
            (3, Gen.Elements(field.EnumType.Values.Select(v => v.Number).ToArray())),
            (1, Gen.Elements(-1, 99, int.MaxValue, int.MinValue)))
            .Select(n => (object?)System.Enum.ToObject(field.EnumType.ClrType, n)),
        FieldType.Message when depth < 2 => Message(field.MessageType, depth + 1).Select(m => (object?)m),
        _ => null,
    };

    private static byte[] Damage(byte[] bytes, int seed)
    {
        if (bytes.Length == 0)
        {
            return [0x0a];
        }

        var random = new Random(seed);
        var copy = (byte[])bytes.Clone();
        if (random.Next(2) == 0)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            return copy;
        }

        return copy[..random.Next(copy.Length)];
    }

    /// <summary>Field 1 as a string of invalid UTF-8 (an overlong encoding and a lone continuation byte) before the rest.</summary>
    private static byte[] Splice(byte[] bytes) => [0x0a, 0x04, 0xc0, 0xaf, 0x80, 0x41, .. bytes];
}
