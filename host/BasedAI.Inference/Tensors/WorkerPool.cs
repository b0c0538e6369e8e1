namespace BasedAI.Inference.Tensors;

/// <summary>
/// A small fixed pool of worker threads that split one kernel call into chunks. Unlike <c>Parallel.For</c> it allocates
/// nothing per call: the work is a function pointer plus a pointer to the caller's state on its stack, which stays alive
/// because <see cref="Run"/> returns only when every chunk is done.
/// </summary>
public sealed unsafe class WorkerPool : IDisposable
{
    private readonly Thread[] _workers;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Lock _runLock = new();
    private delegate*<void*, int, void> _work;
    private void* _state;
    private int _chunkCount;
    private int _nextChunk;
    private int _busyWorkers;
    private volatile bool _disposed;

    /// <summary>Creates a pool that runs work on <paramref name="threads"/> threads in all (the caller's included).</summary>
    public WorkerPool(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Threads = threads;
        _workers = new Thread[threads - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"inference-worker-{i + 1}" };
            _workers[i].Start();
        }
    }

    /// <summary>Threads that take part in a <see cref="Run"/> call, the caller's included.</summary>
    public int Threads { get; }

    /// <summary>A pool with no worker threads: every call runs on the caller.</summary>
    public static WorkerPool SingleThreaded { get; } = new(1);

    /// <summary>Runs <paramref name="work"/>(<paramref name="state"/>, chunk) for every chunk in [0, <paramref name="chunkCount"/>) and waits for all.</summary>
    public void Run(int chunkCount, delegate*<void*, int, void> work, void* state)
    {
        if (chunkCount <= 0)
        {
            return;
        }
        if (_workers.Length == 0 || chunkCount == 1)
        {
            for (int i = 0; i < chunkCount; i++)
            {
                work(state, i);
            }
            return;
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_runLock)
        {
            _work = work;
            _state = state;
            _chunkCount = chunkCount;
            Volatile.Write(ref _nextChunk, 0);
            int helpers = Math.Min(_workers.Length, chunkCount - 1);
            Volatile.Write(ref _busyWorkers, helpers);
            _wake.Release(helpers);
            DrainChunks();
            var spin = new SpinWait();
            while (Volatile.Read(ref _busyWorkers) != 0)
            {
                spin.SpinOnce();
            }
            _work = null;
            _state = null;
        }
    }

    private void DrainChunks()
    {
        int chunk;
        while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunkCount)
        {
            _work(_state, chunk);
        }
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _wake.Wait();
            if (_disposed)
            {
                return;
            }
            DrainChunks();
            Interlocked.Decrement(ref _busyWorkers);
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed || ReferenceEquals(this, SingleThreaded))
        {
            return;
        }
        _disposed = true;
        _wake.Release(_workers.Length);
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
        _wake.Dispose();
    }
}
