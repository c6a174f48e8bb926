using System.IO.Compression;
using Grpc.Core;
using Grpc.Net.Compression;

namespace LiaisonNet.ServiceDefaults.Grpc;

/// <summary>
/// gzip for gRPC messages whose decompression fails cleanly: data that is not gzip answers InvalidArgument, and a message
/// that inflates past the receive limit answers ResourceExhausted instead of filling memory.
/// </summary>
public sealed class BoundedGzip(int maxDecompressed) : ICompressionProvider
{
    public string EncodingName => "gzip";

    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new GZipStream(stream, compressionLevel ?? CompressionLevel.Fastest, leaveOpen: true);

    public Stream CreateDecompressionStream(Stream stream) => new Bounded(new GZipStream(stream, CompressionMode.Decompress), maxDecompressed);

    private sealed class Bounded(Stream inner, int max) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int read;
            try
            {
                read = inner.Read(buffer, offset, count);
            }
            catch (InvalidDataException)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The request could not be decoded: the message is marked gzip but is not gzip data."));
            }

            _read += read;
            return _read <= max
                ? read
                : throw new RpcException(new Status(StatusCode.ResourceExhausted, $"The request is larger than {max} bytes once decompressed."));
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
