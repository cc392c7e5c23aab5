#define _POSIX_C_SOURCE 199309L
// Build (from the repository root), e.g. the avx2 build: gcc -O3 -ffast-math -fno-finite-math-only -std=c11 -march=x86-64 -mavx2 -mfma -mf16c
//   -o /tmp/kbench src/test/c/kbench.c src/main/c/*.c ; run: /tmp/kbench TYPE(0=Q4_0,1=Q8_0,2=Q4_K,3=Q6_K) TOKENS MATRICES ITERATIONS
// A 3584 x 1024 matrix (the bench shape's ffn_gate/up), random bytes with small scales: speed only, no correctness.
// micro-bench of libsirocco's Q4_0/Q8_0 matmul: thread CPU time per call (robust-ish on a loaded machine)
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
void sr_matmul_q8_0(const uint8_t*,int64_t,int,int,int,const int8_t*,const float*,const int32_t*,int,float*,int);
void sr_matmul_q4_K(const uint8_t*,int64_t,int,int,int,const int8_t*,const float*,const int16_t*,int,float*,int);
void sr_matmul_q6_K(const uint8_t*,int64_t,int,int,int,const int8_t*,const float*,const int16_t*,int,float*,int);
void sr_matmul_q4_0(const uint8_t*,int64_t,int,int,int,const int8_t*,const float*,const int32_t*,int,float*,int);
static double cpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int type=atoi(argv[1]); int count=atoi(argv[2]); int rows=3584, cols=1024; int nmat=atoi(argv[3]); int iters=atoi(argv[4]);
  int bb = type==0?18:type==1?34:type==2?144:210; int64_t rb= type>=2? (int64_t)cols/256*bb : (int64_t)cols/32*bb;
  size_t total=(size_t)nmat*rows*rb; uint8_t*w=malloc(total);
  for(size_t i=0;i<total;i++) w[i]=rand();
  for(size_t b=0;b<total/bb;b++){ int o=type==3?208:0; w[b*bb+o]=0x00; w[b*bb+o+1]=0x20; } // fp16 ~0.0078
  int8_t*xq=malloc(count*cols); float*xd=malloc(count*cols/32*4); int32_t*xs=calloc(count*cols/16*4,1);
  for(int i=0;i<count*cols;i++) xq[i]=rand()%255-127;
  for(int i=0;i<count*cols/32;i++){xd[i]=0.01f; xs[i]=0; for(int j=0;j<32;j++) xs[i]+=xq[i*32+j];}
  float*y=malloc(sizeof(float)*count*rows);
  double best=1e9;
  for(int it=0;it<iters;it++){ double t0=cpu();
    for(int m=0;m<nmat;m++){ const uint8_t*wm=w+(size_t)m*rows*rb;
      if(type==3) sr_matmul_q6_K(wm,rb,cols,0,rows,xq,xd,(const int16_t*)xs,count,y,rows); else if(type==2) sr_matmul_q4_K(wm,rb,cols,0,rows,xq,xd,(const int16_t*)xs,count,y,rows); else if(type==0) sr_matmul_q4_0(wm,rb,cols,0,rows,xq,xd,xs,count,y,rows); else sr_matmul_q8_0(wm,rb,cols,0,rows,xq,xd,xs,count,y,rows);}
    double t=cpu()-t0; if(t<best)best=t; }
  double macs=(double)nmat*rows*cols*count;
  printf("type %s count %d nmat %d: %.3f ms/pass  %.1f GMAC/s  %.1f GB/s weights  y0=%g\n", type==3?"Q6_K":type==2?"Q4_K":type?"Q8_0":"Q4_0",count,nmat,best*1e3, macs/best/1e9, (double)total/best/1e9, y[0]);
}
