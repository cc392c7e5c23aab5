import sys, collections
# Sums async-profiler collapsed stacks into the categories of a decode step.
# profile_summary.py FILE.collapsed [TOKENS]: with TOKENS (the decoded tokens), also ms of CPU per token (1 ms samples).
cats = collections.Counter(); total = 0
for line in open(sys.argv[1]):
    stack, n = line.rsplit(' ', 1); n = int(n); total += n
    f = stack.split(';'); leaf = f[-1]; s = stack
    def has(x): return x in s
    if 'sr_matmul' in s or 'libsirocco' in s or leaf.startswith('sr_') or 'matmul_' in leaf: c = 'native matmul kernels'
    elif has('Activations.quantize'): c = 'activation quantization (Java)'
    elif has('Transformer.attendOne'): c = 'attention (Java)'
    elif has('VecMath.rmsNorm'): c = 'RMSNorm (Java)'
    elif has('Transformer.rope'): c = 'RoPE (Java)'
    elif has('Transformer.swiglu') or has('VecMath.swiglu'): c = 'SwiGLU (Java)'
    elif has('Transformer.moe') and not has('MatMul'): c = 'routing: softmax/top-k/gather (Java)'
    elif has('Dequantize'): c = 'embedding row dequantize'
    elif has('Sampler') : c = 'sampling'
    elif has('KernelThreads') or has('LockSupport') or has('onSpinWait'): c = 'worker pool: spin/park/hand-off'
    elif has('Transformer.forward') or has('Transformer.head'): c = 'forward pass, other Java (adds, copies, allocation)'
    elif has('GC') or has('G1') or has('gc'): c = 'GC'
    elif has('Compile') or has('C2') or has('C1'): c = 'JIT compiler'
    else: c = 'other (startup, loading, VM)'
    cats[c] += n
tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 0
for c, n in cats.most_common():
    print(f"{100*n/total:5.1f} %  " + (f"{n/tokens:5.2f} ms/token  " if tokens else "") + c)
print(total, 'samples')
