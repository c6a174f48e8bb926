using System.Buffers;
using System.Buffers.Binary;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// Looks at the 5-byte header of a gRPC request's first message before gRPC reads it, and answers a definite status to
/// one gRPC would fail with UNKNOWN and a stack trace: a compressed flag other than 0 or 1 (InvalidArgument), a length
/// beyond the receive limit (ResourceExhausted). Nothing is consumed; a good request goes on untouched.
/// </summary>
public static class GrpcFrameGuard
{
    public static IApplicationBuilder UseGrpcFrameGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is not { } method
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            await next();
            return;
        }

        var reader = context.Request.BodyReader;
        var read = await reader.ReadAtLeastAsync(5, context.RequestAborted);
        var header = read.Buffer;
        string? problem = null;
        var status = 3; // InvalidArgument
        if (header.Length >= 5)
        {
            Span<byte> bytes = stackalloc byte[5];
            header.Slice(0, 5).CopyTo(bytes);
            var max = context.RequestServices.GetRequiredService<IOptions<GrpcServiceOptions>>().Value.MaxReceiveMessageSize ?? int.MaxValue;
            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
            if (bytes[0] > 1)
            {
                problem = "The request could not be decoded: its message header has a compressed flag other than 0 or 1.";
            }
            else if (length > max)
            {
                (problem, status) = ($"The request message is {length} bytes; at most {max} are accepted.", 8); // ResourceExhausted
            }
        }

        reader.AdvanceTo(header.Start);
        if (problem is null)
        {
            await next();
            return;
        }

        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("LiaisonNet.Grpc.Decoding")
            .LogWarning("Refused a request to {Method}: {Reason}", method.Method.FullName, problem);
        // A trailers-only gRPC response: the status in the headers, no message.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(problem);
    });
}
