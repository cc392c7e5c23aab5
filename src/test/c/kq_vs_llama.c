// Sirocco's one-token kernel (sr_matmul_TYPE, count 1) beside llama.cpp's ggml_vec_dot_TYPE_q8_K on the same blocks
// and activations (block_q8_K = float d, 256 int8, 16 int16 group sums): thread CPU time per 256-value block, the two
// alternating in one process (median of 21), and the largest relative difference of the results.
// TYPE: 0 Q4_K, 1 Q6_K, 2 Q5_K, 3 IQ4_XS. Needs llama.cpp's CPU backend as a shared library (a CMake build of
// llama.cpp has build/bin/libggml-cpu.so). Build libsirocco's avx2 variant as in kq_ab.c, then
//   gcc -O2 -o /tmp/kq_vs_llama src/test/c/kq_vs_llama.c -ldl
//   /tmp/kq_vs_llama /tmp/new.so /path/to/llama.cpp/build/bin/libggml-cpu.so TYPE COLS ROWS ITERATIONS
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
typedef void (*kfn)(const uint8_t*,int64_t,int,int,int,const int8_t*,const float*,const int16_t*,int,float*,int);
typedef void (*vfn)(int,float*,size_t,const void*,size_t,const void*,size_t,int);
static double cpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static const char*names[]={"q4_K","q6_K","q5_K","iq4_xs"};
static int bbs[]={144,210,176,136};
static int doff[]={0,208,0,0};
typedef struct { float d; int8_t qs[256]; int16_t bsums[16]; } bq8k;
static int cmpd(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  void*S=dlopen(argv[1],RTLD_NOW|RTLD_LOCAL), *L=dlopen(argv[2],RTLD_NOW|RTLD_GLOBAL);
  if(!S||!L){fprintf(stderr,"%s\n",dlerror());return 1;}
  void (*init)(void)=(void(*)(void))dlsym(L,"ggml_cpu_init"); if(init) init();
  int t=atoi(argv[3]); int cols=atoi(argv[4]), rows=atoi(argv[5]), iters=atoi(argv[6]);
  char nm[64]; snprintf(nm,64,"sr_matmul_%s",names[t]); kfn fs=(kfn)dlsym(S,nm);
  snprintf(nm,64,"ggml_vec_dot_%s_q8_K",names[t]); vfn fl=(vfn)dlsym(L,nm);
  if(!fs||!fl){fprintf(stderr,"missing %s\n",nm);return 1;}
  int bb=bbs[t], nb=cols/256; int64_t rb=(int64_t)nb*bb; size_t total=(size_t)rows*rb;
  uint8_t*w=malloc(total); srand(7);
  for(size_t i=0;i<total;i++) w[i]=rand();
  for(size_t b=0;b<total/bb;b++){ int o=doff[t]; w[b*bb+o]=rand(); w[b*bb+o+1]=0x20|(rand()&0x8f); if(t==0||t==2){w[b*bb+2]=rand();w[b*bb+3]=0x1c;} }
  int8_t*xq=malloc(cols); float*xd=malloc(nb*4); int16_t*bs=malloc(cols/16*2); bq8k*y=aligned_alloc(64,sizeof(bq8k)*nb);
  for(int i=0;i<cols;i++) xq[i]=rand()%255-127;
  for(int i=0;i<nb;i++) xd[i]=(rand()%1000+1)*1e-5f;
  for(int i=0;i<cols/16;i++){int s=0;for(int j=0;j<16;j++)s+=xq[i*16+j];bs[i]=s;}
  for(int b=0;b<nb;b++){y[b].d=xd[b]; memcpy(y[b].qs,xq+256*b,256); memcpy(y[b].bsums,bs+16*b,32);}
  float*ys=malloc(4*rows),*yl=malloc(4*rows);
  fs(w,rb,cols,0,rows,xq,xd,bs,1,ys,rows);
  for(int r=0;r<rows;r++) fl(cols,yl+r,0,w+r*rb,0,y,0,1);
  double md=0; for(int r=0;r<rows;r++){double d=ys[r]-yl[r]; if(d<0)d=-d; double m=yl[r]<0?-yl[r]:yl[r]; if(d/(m+1e-3)>md) md=d/(m+1e-3);}
  double ts[21],tl[21];
  for(int k=0;k<21;k++){
    double t0=cpu(); for(int i=0;i<iters;i++) fs(w,rb,cols,0,rows,xq,xd,bs,1,ys,rows); ts[k]=cpu()-t0;
    t0=cpu(); for(int i=0;i<iters;i++) for(int r=0;r<rows;r++) fl(cols,yl+r,0,w+r*rb,0,y,0,1); tl[k]=cpu()-t0;
  }
  qsort(ts,21,8,cmpd); qsort(tl,21,8,cmpd);
  double blocks=(double)rows*nb*iters;
  printf("%-6s %dx%d: sirocco %.2f ns/block  llama.cpp %.2f ns/block  sirocco/llama time %.3f (min-min %.3f)  max rel diff %.2g\n",
         names[t],rows,cols,ts[10]/blocks*1e9,tl[10]/blocks*1e9,ts[10]/tl[10],ts[0]/tl[0],md);
  return 0;
}
