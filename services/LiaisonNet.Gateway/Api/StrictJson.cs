using System.Text.Json;
using System.Text.Json.Serialization;

namespace LiaisonNet.Gateway.Api;

/// <summary>
/// How the API reads request bodies: null only where a field is declared nullable, and no null inside a list. A body
/// that breaks either is refused with 400 (ProblemDetails) before a handler sees it, instead of failing later where a
/// null meets a protobuf field. A field left out is allowed (the page leaves out what it does not use); the handlers
/// read a missing text as empty.
/// </summary>
public static class StrictJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.RespectNullableAnnotations = true;
        options.Converters.Add(new NoNullElements());
    }

    /// <summary>Reads <c>IReadOnlyList&lt;T&gt;</c> of a reference type as a list with no null in it.</summary>
    private sealed class NoNullElements : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) && !typeToConvert.GetGenericArguments()[0].IsValueType;

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

        private sealed class Converter<T> : JsonConverter<IReadOnlyList<T>>
            where T : class
        {
            public override IReadOnlyList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            {
                var items = JsonSerializer.Deserialize<List<T?>>(ref reader, options);
                if (items is not null && items.Contains(null))
                {
                    throw new JsonException("A list holds null; leave the item out instead.");
                }

                return items?.OfType<T>().ToList();
            }

            public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options) =>
                JsonSerializer.Serialize(writer, value.ToList(), options);
        }
    }
}
