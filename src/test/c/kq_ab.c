// One-token Q8_K-activation kernels, two builds of libsirocco A and B (same symbols): same bits for 1..9 activation
// rows and for a token alone vs in its batch, then the thread CPU time of count-1 calls, A and B alternating
// (median of 15). TYPE: 0 Q4_K, 1 Q6_K, 2 Q5_K, 3 IQ4_XS. Random bytes with sane fp16 scales: every bit pattern is
// a valid block. Build a variant as build.sh does, e.g. (from the repository root):
//   F="-O3 -shared -fPIC -ffast-math -fno-finite-math-only -std=c11 -march=x86-64 -mtune=generic -mavx2 -mfma -mf16c"
//   gcc $F -o /tmp/new.so src/main/c/sirocco.c src/main/c/kquants.c src/main/c/iquants.c   (and /tmp/old.so from a
//   checkout of the other commit); gcc -O2 -o /tmp/kq_ab src/test/c/kq_ab.c -ldl
//   /tmp/kq_ab /tmp/old.so /tmp/new.so TYPE [COLS=1024] [ROWS=3584] [ITERATIONS=200]
// ROWS=131072 makes the matrix come from DRAM, 3584 keeps it in cache.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
typedef void (*kfn)(const uint8_t*,int64_t,int,int,int,const int8_t*,const float*,const int16_t*,int,float*,int);
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
static double cpu(void){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static const char*names[]={"q4_K","q6_K","q5_K","iq4_xs"};
static int bbs[]={144,210,176,136};
static int doff[]={0,208,0,0};
int main(int argc,char**argv){
  void*A=dlopen(argv[1],RTLD_NOW|RTLD_LOCAL), *B=dlopen(argv[2],RTLD_NOW|RTLD_LOCAL);
  if(!A||!B){fprintf(stderr,"%s\n",dlerror());return 1;}
  int t=atoi(argv[3]); int cols=argc>4?atoi(argv[4]):1024; int rows=argc>5?atoi(argv[5]):3584; int iters=argc>6?atoi(argv[6]):200;
  char nm[64]; snprintf(nm,64,"sr_matmul_%s",names[t]);
  kfn fa=(kfn)dlsym(A,nm), fb=(kfn)dlsym(B,nm);
  int bb=bbs[t]; int64_t rb=(int64_t)cols/256*bb; size_t total=(size_t)rows*rb;
  uint8_t*w=malloc(total); srand(7);
  for(size_t i=0;i<total;i++) w[i]=rand();
  for(size_t b=0;b<total/bb;b++){ int o=doff[t]; w[b*bb+o]=rand(); w[b*bb+o+1]=0x20|(rand()&0x8f); if(t==0||t==2){w[b*bb+2]=rand();w[b*bb+3]=0x1c;} }
  int maxc=9;
  int8_t*xq=malloc(maxc*cols); float*xd=malloc(maxc*cols/256*4); int16_t*bs=malloc(maxc*cols/16*2);
  for(int i=0;i<maxc*cols;i++) xq[i]=rand()%255-127;
  for(int i=0;i<maxc*cols/256;i++) xd[i]=(rand()%1000+1)*1e-5f;
  for(int i=0;i<maxc*cols/16;i++){int s=0;for(int j=0;j<16;j++)s+=xq[i*16+j];bs[i]=s;}
  float*ya=malloc(4*maxc*rows),*yb=malloc(4*maxc*rows);
  int bad=0;
  for(int c=1;c<=maxc;c++){
    memset(ya,0,4*maxc*rows); memset(yb,0,4*maxc*rows);
    fa(w,rb,cols,0,rows,xq,xd,bs,c,ya,rows); fb(w,rb,cols,0,rows,xq,xd,bs,c,yb,rows);
    if(memcmp(ya,yb,4*c*rows)){bad++; for(int i=0;i<c*rows;i++) if(memcmp(ya+i,yb+i,4)){printf("count %d: first diff at %d: %.9g vs %.9g\n",c,i,ya[i],yb[i]);break;}}
    // token alone vs in batch (new lib)
    for(int k=0;k<c;k++){ fb(w,rb,cols,0,rows,xq+k*cols,xd+k*cols/256,bs+k*cols/16,1,ya,rows);
      if(memcmp(ya,yb+k*rows,4*rows)){bad++;printf("count %d token %d differs alone\n",c,k);break;} }
  }
  printf("%s cols %d: %s\n",names[t],cols,bad?"DIFFERENT":"bit-identical (counts 1..9, alone vs batch)");
  int cnt=argc>7?atoi(argv[7]):1;
  double ta[15],tb[15];
  for(int r=0;r<15;r++){
    double t0=cpu(); for(int i=0;i<iters;i++) fa(w,rb,cols,0,rows,xq,xd,bs,cnt,ya,rows); ta[r]=cpu()-t0;
    t0=cpu(); for(int i=0;i<iters;i++) fb(w,rb,cols,0,rows,xq,xd,bs,cnt,yb,rows); tb[r]=cpu()-t0;
  }
  qsort(ta,15,8,cmp); qsort(tb,15,8,cmp);
  double pa=ta[7]/iters*1e6, pb=tb[7]/iters*1e6; double blocks=(double)rows*cols/256*cnt;
  printf("%s count %d: old %.1f us (%.2f ns/block)  new %.1f us (%.2f ns/block)  new/old %.3f (min %.3f)\n",names[t],cnt,pa,pa*1e3/blocks,pb,pb*1e3/blocks,pb/pa,tb[0]/ta[0]);
  return bad!=0;
}
