namespace Hmm.Spec.Oracle.Checking;

/// <summary>
/// Sorts <see cref="long"/>s ascending (introsort: quicksort with a median-of-three pivot, insertion sort for
/// short runs, heapsort past a depth bound). Written out here rather than <c>Array.Sort(long[])</c>: the framework's
/// sort over <c>long</c> is a generic instantiation its precompiled image does not carry, so in a short check it ran
/// as unoptimised first-tier JIT code (then on-stack replacement) for every partition (docs/performance.md, "Oracle").
/// This assembly is precompiled, and so is this.
/// </summary>
internal static class LongSort
{
    private const int InsertionLimit = 16;

    public static void Sort(Span<long> a)
    {
        if (a.Length < 2) return;
        IntroSort(a, 2 * (System.Numerics.BitOperations.Log2((uint)a.Length) + 1));
    }

    private static void IntroSort(Span<long> a, int depth)
    {
        while (a.Length > InsertionLimit)
        {
            if (depth-- == 0)
            {
                HeapSort(a);
                return;
            }
            var p = Partition(a);
            // Recurse into the shorter side, loop on the longer: the stack stays logarithmic.
            if (p < a.Length - p)
            {
                IntroSort(a[..p], depth);
                a = a[(p + 1)..];
            }
            else
            {
                IntroSort(a[(p + 1)..], depth);
                a = a[..p];
            }
        }
        InsertionSort(a);
    }

    /// <summary>Median-of-three pivot; returns its final place: everything before it is ≤, everything after ≥.</summary>
    private static int Partition(Span<long> a)
    {
        int hi = a.Length - 1, mid = hi >> 1;
        SwapIfGreater(a, 0, mid);
        SwapIfGreater(a, 0, hi);
        SwapIfGreater(a, mid, hi);
        var pivot = a[mid];
        Swap(a, mid, hi - 1);
        int left = 0, right = hi - 1;   // a[0] ≤ pivot and a[hi] ≥ pivot stop the scans
        while (left < right)
        {
            while (a[++left] < pivot) { }
            while (pivot < a[--right]) { }
            if (left >= right) break;
            Swap(a, left, right);
        }
        if (left != hi - 1) Swap(a, left, hi - 1);
        return left;
    }

    private static void InsertionSort(Span<long> a)
    {
        for (var i = 1; i < a.Length; i++)
        {
            var v = a[i];
            var j = i - 1;
            while (j >= 0 && a[j] > v)
            {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    private static void HeapSort(Span<long> a)
    {
        var n = a.Length;
        for (var i = n / 2 - 1; i >= 0; i--) SiftDown(a, i, n);
        for (var end = n - 1; end > 0; end--)
        {
            Swap(a, 0, end);
            SiftDown(a, 0, end);
        }
    }

    private static void SiftDown(Span<long> a, int i, int n)
    {
        var v = a[i];
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && a[child + 1] > a[child]) child++;
            if (a[child] <= v) break;
            a[i] = a[child];
            i = child;
        }
        a[i] = v;
    }

    private static void SwapIfGreater(Span<long> a, int i, int j)
    {
        if (a[i] > a[j]) Swap(a, i, j);
    }

    private static void Swap(Span<long> a, int i, int j) => (a[i], a[j]) = (a[j], a[i]);
}
