namespace Hebb.Kernels;

/// <summary>Work split into parts numbered 0..parts-1; implemented by reusable kernel contexts so a
/// parallel call allocates nothing.</summary>
internal interface IParallelWork
{
    void Run(int part, int parts);
}

/// <summary>
/// A fixed set of worker threads for the kernels. <see cref="Run"/> hands part i of the work to
/// thread i (the caller does part 0) and returns when all are done. No allocation per call; workers
/// spin briefly before sleeping so back-to-back calls in a training step stay cheap.
/// </summary>
internal static class WorkerPool
{
    private static readonly object Gate = new();
    private static Worker[] _workers = [];
    [ThreadStatic] private static bool _busy; // inside a parallel region (as caller or worker)

    /// <summary>True on a thread already inside a parallel region: a <see cref="Run"/> from here runs its
    /// parts one after another on this thread; outside one, every part gets its own thread, all at once.</summary>
    public static bool InParallelRegion => _busy;

    public static void Run(IParallelWork work, int parts)
    {
        if (parts <= 1)
        {
            work.Run(0, 1);
            return;
        }
        if (_busy)
        {
            // Nested parallel call: run the parts here, serially, rather than wait on busy workers.
            for (int i = 0; i < parts; i++) work.Run(i, parts);
            return;
        }
        lock (Gate) // one parallel region at a time
        {
            EnsureWorkers(parts - 1);
            _busy = true;
            for (int i = 1; i < parts; i++) _workers[i - 1].Start(work, i, parts);
            Exception? error = null;
            try
            {
                work.Run(0, parts);
            }
            catch (Exception e)
            {
                error = e;
            }
            for (int i = 1; i < parts; i++)
            {
                var e = _workers[i - 1].Wait();
                error ??= e;
            }
            _busy = false;
            if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private static void EnsureWorkers(int count)
    {
        if (_workers.Length >= count) return;
        var workers = new Worker[count];
        Array.Copy(_workers, workers, _workers.Length);
        for (int i = _workers.Length; i < count; i++) workers[i] = new Worker(i + 1);
        _workers = workers;
    }

    private sealed class Worker
    {
        private readonly ManualResetEventSlim _start = new(false, spinCount: 2000);
        private readonly ManualResetEventSlim _finished = new(false, spinCount: 2000);
        private IParallelWork? _work;
        private int _part, _parts;
        private Exception? _error;

        public Worker(int index)
        {
            var thread = new Thread(Loop) { IsBackground = true, Name = $"hebb-kernel-{index}" };
            // A worker serves every caller: it must not keep the settings scope of the one that happened to create it.
            using (ExecutionContext.SuppressFlow()) thread.Start();
        }

        public void Start(IParallelWork work, int part, int parts)
        {
            (_work, _part, _parts, _error) = (work, part, parts, null);
            _finished.Reset();
            _start.Set();
        }

        public Exception? Wait()
        {
            _finished.Wait();
            return _error;
        }

        private void Loop()
        {
            _busy = true;
            while (true)
            {
                _start.Wait();
                _start.Reset();
                try
                {
                    _work!.Run(_part, _parts);
                }
                catch (Exception e)
                {
                    _error = e;
                }
                _work = null;
                _finished.Set();
            }
        }
    }
}
