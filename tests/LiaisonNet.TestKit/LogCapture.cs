using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LiaisonNet.TestKit;

/// <summary>One entry the services logged.</summary>
public sealed record LogEntry(DateTimeOffset At, LogLevel Level, string Category, string Message, Exception? Exception);

/// <summary>Keeps what the services of a running system log (the last 20,000 entries), for tests that check the logs.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private const int Capacity = 20_000;
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IReadOnlyList<LogEntry> Since(DateTimeOffset from) => [.. _entries.Where(e => e.At >= from)];

    public void AddTo(ILoggingBuilder logging) => logging.AddProvider(this);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        while (_entries.Count > Capacity && _entries.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture.Add(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
